import { parseArgs } from 'node:util';
import { z } from 'zod';
import {
  BROWSER_TOKEN_MAX_TTL_SECONDS,
  BROWSER_TOKEN_MIN_TTL_SECONDS,
  Meta,
  SESSION_TTL_MAX_SECONDS,
  SESSION_TTL_MIN_SECONDS,
  unstorableText,
} from '@agentmc/contract';
import { generateApiKey } from '../lib/api-keys.js';
import { formatTimestamp, systemClock, type Clock } from '../lib/clock.js';
import type { Sessions } from '../sessions/sessions.js';
import type { IdentityStore } from '../store/store.js';

/** A mistake in the command line or its arguments: printed, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A well-formed command that the data refuses (unknown team, …): printed, exit code 1. */
export class CommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandError';
  }
}

export const USAGE = `Usage: pnpm admin <command> [options]

Commands (each prints JSON on stdout):
  team create --name NAME
  user create --team ID --name NAME
  user remove --id ID                   the person's keys and browser tokens stop working
  agent create --team ID --name NAME
  agent disable --id ID
  agent enable --id ID
  key create --agent ID | --user ID     prints the key once: {"id": …, "key": "amc_…"}
  key revoke --id ID
  token create --user ID [--ttl SECONDS]
                                        a browser token (through the user's newest key) and
                                        the web console's URL carrying it
  session request --agent ID [--user ID] [--ttl SECONDS] [--meta JSON]
  demo                                  a team, a user, an agent, their keys, and what to try

The database is DATABASE_URL (default ./data/agentmc.sqlite); migrations are applied first.`;

export interface AdminContext {
  readonly identity: IdentityStore;
  /**
   * Requests, revocations and disabled agents go through the sessions layer, which announces
   * them to running servers.
   */
  readonly sessions: Sessions;
  readonly clock?: Clock;
  /** Where the API is served, for the commands `demo` prints. */
  readonly baseUrl: string;
}

const id = (name: string) =>
  z.coerce
    .number({ invalid_type_error: `--${name} must be a positive integer` })
    .int(`--${name} must be a positive integer`)
    .min(1, `--${name} must be a positive integer`)
    .max(Number.MAX_SAFE_INTEGER, `--${name} is too large`);
const seconds = (flag: string, min: number, max: number) =>
  z.coerce
    .number({ invalid_type_error: `--${flag} must be a whole number of seconds` })
    .int(`--${flag} must be a whole number of seconds`)
    .min(min, `--${flag} must be at least ${min}`)
    .max(max, `--${flag} must be at most ${max}`);
const name = z
  .string()
  .trim()
  .min(1, '--name must not be empty')
  .max(200, '--name is too long')
  .refine((text) => !unstorableText(text), '--name must be Unicode text without NUL characters');

/** Runs one admin command and returns what it prints, timestamps as the API writes them. */
export async function runAdmin(argv: readonly string[], ctx: AdminContext): Promise<unknown> {
  return withTimestamps(await dispatch(argv, ctx));
}

async function dispatch(argv: readonly string[], ctx: AdminContext): Promise<unknown> {
  const [noun, verb, ...rest] = argv;
  const clock = ctx.clock ?? systemClock;
  const store = ctx.identity;
  const command = [noun, verb].filter(Boolean).join(' ');

  switch (command) {
    case 'team create': {
      const o = options(rest, { name });
      return store.createTeam({ name: o.name, now: clock() });
    }
    case 'user create': {
      const o = options(rest, { team: id('team'), name });
      return (
        (await store.createUser({ teamId: o.team, name: o.name, now: clock() })) ??
        missing('team', o.team)
      );
    }
    case 'user remove': {
      const o = options(rest, { id: id('id') });
      return (await store.removeUser({ userId: o.id, now: clock() })) ?? missing('user', o.id);
    }
    case 'token create': {
      const o = options(rest, {
        user: id('user'),
        ttl: seconds(
          'ttl',
          BROWSER_TOKEN_MIN_TTL_SECONDS,
          BROWSER_TOKEN_MAX_TTL_SECONDS,
        ).optional(),
      });
      return createBrowserToken(ctx, o.user, o.ttl);
    }
    case 'agent create': {
      const o = options(rest, { team: id('team'), name });
      return (
        (await store.createAgent({ teamId: o.team, name: o.name, now: clock() })) ??
        missing('team', o.team)
      );
    }
    case 'agent disable':
    case 'agent enable': {
      const o = options(rest, { id: id('id') });
      // Through the sessions layer: running servers close a disabled agent's sockets.
      const agent = await ctx.sessions.setAgentDisabled(o.id, verb === 'disable');
      return agent ?? missing('agent', o.id);
    }
    case 'key create': {
      const o = options(rest, { agent: id('agent').optional(), user: id('user').optional() });
      if ((o.agent === undefined) === (o.user === undefined)) {
        throw new UsageError('key create takes exactly one of --agent ID or --user ID');
      }
      return createKey(
        store,
        o.agent !== undefined ? { agentId: o.agent } : { userId: o.user! },
        clock(),
      );
    }
    case 'key revoke': {
      const o = options(rest, { id: id('id') });
      // Through the sessions layer: running servers close the sockets opened through the key.
      const key = await ctx.sessions.revokeKey(o.id);
      if (!key) return missing('key', o.id);
      return { id: key.id, prefix: key.prefix, revoked_at: key.revoked_at };
    }
    case 'session request': {
      const o = options(rest, {
        agent: id('agent'),
        user: id('user').optional(),
        ttl: seconds('ttl', SESSION_TTL_MIN_SECONDS, SESSION_TTL_MAX_SECONDS).optional(),
        meta: z.string().optional(),
      });
      return requestSession(ctx, o);
    }
    case 'demo':
      return demo(ctx, clock());
    default:
      throw new UsageError(command ? `Unknown command: ${command}\n\n${USAGE}` : USAGE);
  }
}

async function createKey(
  store: IdentityStore,
  principal: { agentId: number } | { userId: number },
  now: number,
) {
  const generated = generateApiKey();
  const row = await store.createApiKey({
    principal,
    prefix: generated.prefix,
    keyHash: generated.hash,
    now,
  });
  if (!row) {
    return 'agentId' in principal
      ? missing('agent', principal.agentId)
      : missing('user', principal.userId);
  }
  return {
    id: row.id,
    key: generated.key,
    prefix: row.prefix,
    team_id: row.team_id,
    agent_id: row.agent_id,
    user_id: row.user_id,
  };
}

async function requestSession(
  ctx: AdminContext,
  o: {
    agent: number;
    user?: number | undefined;
    ttl?: number | undefined;
    meta?: string | undefined;
  },
) {
  const meta = o.meta === undefined ? null : parseMeta(o.meta);
  const agent = (await ctx.identity.findAgent(o.agent)) ?? missing('agent', o.agent);
  let requester: Parameters<Sessions['request']>[0] = { kind: 'operator' };
  if (o.user !== undefined) {
    const user = (await ctx.identity.findUser(o.user)) ?? missing('user', o.user);
    if (user.team_id !== agent.team_id) {
      throw new CommandError(`user ${o.user} is not in agent ${o.agent}'s team (${agent.team_id})`);
    }
    requester = { kind: 'person', personId: user.id, teamId: user.team_id };
  }
  const requested = await ctx.sessions.request(requester, {
    agentId: agent.id,
    meta,
    ttlSeconds: o.ttl,
  });
  if (!requested.ok) {
    if (requested.code === 'resource.not_found') missing('agent', o.agent);
    throw new CommandError(
      Object.values((requested.details?.fields ?? {}) as Record<string, string[]>)
        .flat()
        .join(' ') || requested.message,
    );
  }
  return requested.value;
}

/** A browser token for a person, and the web console's URL that signs in with it. */
async function createBrowserToken(ctx: AdminContext, userId: number, ttlSeconds?: number) {
  const minted = await ctx.sessions.people.mintTokenForUser(userId, ttlSeconds);
  if (!minted.ok) {
    throw new CommandError(
      minted.code === 'resource.not_found' && minted.message === 'User not found.'
        ? `user ${userId} not found`
        : `user ${userId}: ${minted.message}`,
    );
  }
  return {
    ...minted.value,
    user_id: userId,
    console_url: consoleUrl(ctx.baseUrl, minted.value.token),
  };
}

/**
 * The console at the server's root, with the token in the URL's fragment: the browser keeps it
 * to itself (never sent in a request or a Referer).
 */
function consoleUrl(baseUrl: string, token: string): string {
  const root = baseUrl.replace(/\/api\/v1\/?$/, '');
  return `${root}/#token=${encodeURIComponent(token)}`;
}

async function demo(ctx: AdminContext, now: number) {
  const { identity: store, baseUrl } = ctx;
  const team = await store.createTeam({ name: 'Demo team', now });
  const user = (await store.createUser({ teamId: team.id, name: 'Demo person', now }))!;
  const agent = (await store.createAgent({ teamId: team.id, name: 'Demo agent', now }))!;
  const agentKey = await createKey(store, { agentId: agent.id }, now);
  const userKey = await createKey(store, { userId: user.id }, now);
  const browser = await createBrowserToken(ctx, user.id);
  return {
    team,
    user,
    agent,
    agent_key: agentKey.key,
    user_key: userKey.key,
    browser_token: browser.token,
    console_url: browser.console_url,
    try: [
      `curl -s -X POST '${baseUrl}/realtime/sessions' -H 'X-Api-Key: ${userKey.key}' -H 'Content-Type: application/json' -d '{"agent_id": ${agent.id}, "meta": {"topic": "hello"}}'`,
      `curl -s '${baseUrl}/agents/realtime/sessions/requested?limit=20' -H 'X-Api-Key: ${agentKey.key}'`,
      `curl -s -X POST '${baseUrl}/agents/realtime/sessions/SESSION_ID/claim' -H 'X-Api-Key: ${agentKey.key}' -H 'Content-Type: application/json' -d '{}'`,
      `AGENTMC_API_KEY=${agentKey.key} pnpm agent`,
      `open '${browser.console_url}'   # the web console (pnpm start serves it), as the demo person`,
    ],
  };
}

function parseMeta(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError('--meta must be JSON, for example --meta \'{"topic":"billing"}\'');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError('--meta must be a JSON object');
  }
  const parsed = Meta.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const at = issue.path.length > 0 ? ` (at ${issue.path.join('.')})` : '';
    throw new UsageError(`--meta: ${issue.message}${at}`);
  }
  return parsed.data;
}

/** Rows keep epoch seconds in `*_at` columns; people read `2026-02-22T17:21:00Z`. */
function withTimestamps(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withTimestamps);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      k,
      k.endsWith('_at') && typeof v === 'number' ? formatTimestamp(v) : withTimestamps(v),
    ]),
  );
}

function missing(what: string, id: number): never {
  throw new CommandError(`${what} ${id} not found`);
}

/** Parses `--flag value` options against a zod shape; unknown flags are usage errors. */
function options<S extends z.ZodRawShape>(
  args: readonly string[],
  shape: S,
): z.infer<z.ZodObject<S>> {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: Object.fromEntries(Object.keys(shape).map((k) => [k, { type: 'string' as const }])),
      strict: true,
      allowPositionals: false,
    }) as { values: Record<string, string | undefined> });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const parsed = z.object(shape).safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const flag = issue.path.join('.');
    // Judge "missing" by the argument itself: a coerced number sees an absent flag as NaN.
    throw new UsageError(values[flag] === undefined ? `--${flag} is required` : issue.message);
  }
  return parsed.data;
}
