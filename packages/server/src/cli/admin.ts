import { Command } from 'commander';
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

/** What an action does once its arguments are valid: its result is printed as JSON. */
export type RunAction = (action: (ctx: AdminContext) => Promise<unknown>) => Promise<void>;

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
  /** Standard error, for warnings beside a result. */
  readonly warn: (text: string) => void;
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

/**
 * The admin CLI's commands, parsed by commander: `--help` on the program and on every command,
 * `--version`, and an action per command. Each action checks its options (a usage mistake
 * throws {@link UsageError} before any row is touched), then hands `run` what to do with the
 * store; `run` prints the result.
 *
 * @example
 * await adminProgram(run, { version: '0.1.0' }).parseAsync(['team', 'list'], { from: 'user' });
 */
export function adminProgram(
  run: RunAction,
  info: { version: string; output: { out(text: string): void; err(text: string): void } },
): Command {
  // Output and exit handling are set first: subcommands copy them when they are created.
  const program = new Command('pnpm admin')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => info.output.out(text),
      writeErr: (text) => info.output.err(text),
    })
    .usage('<command> [options]')
    .description(
      'Teams, people, agents and their API keys; sessions requested by the operator; a demo. Each command prints JSON on stdout (demo: shell lines).',
    )
    .version(info.version, '-v, --version')
    .helpOption('-h, --help', 'show help (also after any command, e.g. `team --help`)')
    .addHelpText(
      'after',
      '\nThe database is DATABASE_URL (default ./data/agentmc.sqlite); pending migrations are applied first.\nExit codes: 0 done, 1 the data refuses (e.g. a missing team), 2 a usage mistake or an invalid setting.',
    )
    .showSuggestionAfterError();
  const clockOf = (ctx: AdminContext) => (ctx.clock ?? systemClock)();
  const teamOption = ['--team <id>', 'only this team’s'] as const;

  const team = program.command('team').description('Teams: each owns its people, agents and keys.');
  team
    .command('create')
    .description('Create a team.')
    .option('--name <name>', 'the team’s name')
    .action((raw: Raw) => {
      const o = options(raw, { name });
      return run((ctx) => ctx.identity.createTeam({ name: o.name, now: clockOf(ctx) }));
    });
  team
    .command('list')
    .description('List every team, oldest first.')
    .action(() => run((ctx) => ctx.identity.listTeams()));

  const user = program.command('user').description('People: a user key acts for one of them.');
  user
    .command('create')
    .description('Create a person in a team.')
    .option('--team <id>', 'their team')
    .option('--name <name>', 'their name')
    .action((raw: Raw) => {
      const o = options(raw, { team: id('team'), name });
      return run(
        async (ctx) =>
          (await ctx.identity.createUser({ teamId: o.team, name: o.name, now: clockOf(ctx) })) ??
          missing('team', o.team),
      );
    });
  user
    .command('remove')
    .description(
      'Remove a person: their keys and browser tokens stop working, their sockets close.',
    )
    .option('--id <id>', 'the person')
    .action((raw: Raw) => {
      const o = options(raw, { id: id('id') });
      // Through the sessions layer: running servers close the sockets of the person's keys.
      return run(async (ctx) => (await ctx.sessions.removeUser(o.id)) ?? missing('user', o.id));
    });
  user
    .command('list')
    .description('List people, oldest first.')
    .option(...teamOption)
    .action((raw: Raw) => {
      const o = options(raw, { team: id('team').optional() });
      return run((ctx) => ctx.identity.listUsers({ teamId: o.team }));
    });

  const agent = program
    .command('agent')
    .description('Agents: programs holding an agent key, claiming sessions.');
  agent
    .command('create')
    .description('Create an agent in a team.')
    .option('--team <id>', 'its team')
    .option('--name <name>', 'its name')
    .action((raw: Raw) => {
      const o = options(raw, { team: id('team'), name });
      return run(
        async (ctx) =>
          (await ctx.identity.createAgent({ teamId: o.team, name: o.name, now: clockOf(ctx) })) ??
          missing('team', o.team),
      );
    });
  for (const verb of ['disable', 'enable'] as const) {
    agent
      .command(verb)
      .description(
        verb === 'disable'
          ? 'Disable an agent: its keys answer 403 and its sockets close.'
          : 'Enable a disabled agent again.',
      )
      .option('--id <id>', 'the agent')
      .action((raw: Raw) => {
        const o = options(raw, { id: id('id') });
        // Through the sessions layer: running servers close a disabled agent's sockets.
        return run(
          async (ctx) =>
            (await ctx.sessions.setAgentDisabled(o.id, verb === 'disable')) ??
            missing('agent', o.id),
        );
      });
  }
  agent
    .command('list')
    .description('List agents, oldest first (`disabled_at` set when disabled).')
    .option(...teamOption)
    .action((raw: Raw) => {
      const o = options(raw, { team: id('team').optional() });
      return run((ctx) => ctx.identity.listAgents({ teamId: o.team }));
    });

  const key = program.command('key').description('API keys: shown once, stored as a hash.');
  key
    .command('create')
    .description('Create a key for an agent or a person; it is printed once: {"id", "key", …}.')
    .option('--agent <id>', 'an agent’s key')
    .option('--user <id>', 'a person’s key')
    .action((raw: Raw) => {
      const o = options(raw, { agent: id('agent').optional(), user: id('user').optional() });
      if ((o.agent === undefined) === (o.user === undefined)) {
        throw new UsageError('key create takes exactly one of --agent ID or --user ID');
      }
      return run((ctx) =>
        createKey(
          ctx.identity,
          o.agent !== undefined ? { agentId: o.agent } : { userId: o.user! },
          clockOf(ctx),
        ),
      );
    });
  key
    .command('revoke')
    .description('Revoke a key: it answers 401 from then on (find its id with `key list`).')
    .option('--id <id>', 'the key’s id')
    .action((raw: Raw) => {
      const o = options(raw, { id: id('id') });
      return run(async (ctx) => {
        // Through the sessions layer: running servers close the sockets opened through the key.
        const row = await ctx.sessions.revokeKey(o.id);
        if (!row) return missing('key', o.id);
        return { id: row.id, prefix: row.prefix, revoked_at: row.revoked_at };
      });
    });
  key
    .command('list')
    .description(
      'List keys by id, prefix, owner (agent or user), created and revoked; never the key.',
    )
    .option(...teamOption)
    .action((raw: Raw) => {
      const o = options(raw, { team: id('team').optional() });
      return run((ctx) => ctx.identity.listApiKeys({ teamId: o.team }));
    });

  program
    .command('token')
    .description('Browser tokens: short-lived credentials a web page uses for a person.')
    .command('create')
    .description(
      'Mint a browser token for a person (through their newest key) and the web console URL carrying it.',
    )
    .option('--user <id>', 'the person')
    .option(
      '--ttl <seconds>',
      `how long it lasts (${BROWSER_TOKEN_MIN_TTL_SECONDS}–${BROWSER_TOKEN_MAX_TTL_SECONDS}; default 900)`,
    )
    .action((raw: Raw) => {
      const o = options(raw, {
        user: id('user'),
        ttl: seconds(
          'ttl',
          BROWSER_TOKEN_MIN_TTL_SECONDS,
          BROWSER_TOKEN_MAX_TTL_SECONDS,
        ).optional(),
      });
      return run((ctx) => createBrowserToken(ctx, o.user, o.ttl));
    });

  program
    .command('session')
    .description('Sessions requested by the operator.')
    .command('request')
    .description('Request a session with an agent, as a person (--user) or as the system.')
    .option('--agent <id>', 'the agent to talk to')
    .option('--user <id>', 'the person asking (without it, no person can join the session)')
    .option('--ttl <seconds>', 'how long it waits for a claim (default SESSION_TTL_SECONDS)')
    .option('--meta <json>', 'a JSON object kept with the session')
    .action((raw: Raw) => {
      const o = options(raw, {
        agent: id('agent'),
        user: id('user').optional(),
        ttl: seconds('ttl', SESSION_TTL_MIN_SECONDS, SESSION_TTL_MAX_SECONDS).optional(),
        meta: z.string().optional(),
      });
      const meta = o.meta === undefined ? null : parseMeta(o.meta);
      return run(async (ctx) => {
        const session = await requestSession(ctx, { ...o, meta });
        if (o.user === undefined) {
          ctx.warn(
            'warning: no --user: this is the system’s request, and no person can join it (pass --user ID for a person’s session)\n',
          );
        }
        return session;
      });
    });

  program
    .command('demo')
    .description(
      'Create a team, a person, an agent and their keys; print `export` lines and the commands to try.',
    )
    .option('--json', 'print JSON instead of shell lines')
    .action((raw: Raw) =>
      run(async (ctx) => {
        const made = await demo(ctx, clockOf(ctx));
        return raw.json ? made : new ShellLines(demoLines(made, ctx.baseUrl));
      }),
    );
  return program;
}

/** A result printed as lines for a shell, not as JSON. */
export class ShellLines {
  constructor(readonly lines: readonly string[]) {}
}

type Raw = Record<string, string | boolean | undefined>;

/** Runs one admin command and returns what it prints, timestamps as the API writes them. */
export function withTimestamps(value: unknown): unknown {
  if (value instanceof ShellLines) return value;
  if (Array.isArray(value)) return value.map(withTimestamps);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      k,
      k.endsWith('_at') && typeof v === 'number' ? formatTimestamp(v) : withTimestamps(v),
    ]),
  );
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
    meta: Record<string, unknown> | null;
  },
) {
  const { meta } = o;
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
      `AGENTMC_BASE_URL='${baseUrl}' AGENTMC_API_KEY=${agentKey.key} pnpm agent`,
      `AGENTMC_BASE_URL='${baseUrl}' AGENTMC_API_KEY=${userKey.key} pnpm chat --agent ${agent.id}`,
      `open '${browser.console_url}'   # the web console (pnpm start serves it), as the demo person`,
    ],
  };
}

/**
 * The demo as a shell reads it: `export` lines first (so `eval "$(pnpm --silent admin demo)"`
 * sets them), then the commands to paste, as comments where they need a second terminal.
 */
function demoLines(made: Awaited<ReturnType<typeof demo>>, baseUrl: string): string[] {
  const { team, user, agent } = made;
  return [
    `# Team ${team.id} "${team.name}": person ${user.id}, agent ${agent.id}. The keys are shown once.`,
    `export AGENTMC_BASE_URL='${baseUrl}'`,
    `export AGENT_KEY='${made.agent_key}'`,
    `export USER_KEY='${made.user_key}'`,
    `export AGENT_ID=${agent.id}`,
    '',
    '# With the server running (pnpm start), paste the exports, then in one terminal the agent:',
    'AGENTMC_API_KEY="$AGENT_KEY" pnpm agent',
    '# and in another (with the exports too) the person, chatting with it:',
    'AGENTMC_API_KEY="$USER_KEY" pnpm chat --agent "$AGENT_ID"',
    '',
    '# Or open the web console (pnpm start serves it) as the demo person, in a browser:',
    `# ${made.console_url}`,
    '',
    '# Or by hand: the person requests a session, the agent lists and claims it.',
    `curl -s -X POST "$AGENTMC_BASE_URL/realtime/sessions" -H "X-Api-Key: $USER_KEY" -H 'Content-Type: application/json' -d '{"agent_id": ${agent.id}, "meta": {"topic": "hello"}}'`,
    `curl -s "$AGENTMC_BASE_URL/agents/realtime/sessions/requested?limit=20" -H "X-Api-Key: $AGENT_KEY"`,
    `curl -s -X POST "$AGENTMC_BASE_URL/agents/realtime/sessions/SESSION_ID/claim" -H "X-Api-Key: $AGENT_KEY" -H 'Content-Type: application/json' -d '{}'`,
    '',
    `# The API's documents: ${baseUrl}/docs`,
  ];
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

function missing(what: string, id: number): never {
  throw new CommandError(`${what} ${id} not found`);
}

/** Checks a command's options against a zod shape; the first problem is a usage error. */
function options<S extends z.ZodRawShape>(raw: Raw, shape: S): z.infer<z.ZodObject<S>> {
  const parsed = z.object(shape).safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const flag = issue.path.join('.');
    // Judge "missing" by the argument itself: a coerced number sees an absent flag as NaN.
    throw new UsageError(raw[flag] === undefined ? `--${flag} is required` : issue.message);
  }
  return parsed.data;
}
