import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp, listen, type AppConfig } from '../app.js';
import { generateApiKey } from '../domain/api-keys.js';
import { systemClock, type Clock } from '../domain/clock.js';
import type { KyselyStore } from '../store/kysely-store.js';
import { openStore } from '../store/open-store.js';

/**
 * A clock that tests move by hand, so that expiry is tested without waiting.
 *
 * @example
 * const clock = manualClock();
 * clock.advance(601);
 */
export function manualClock(
  start = systemClock(),
): Clock & { advance(seconds: number): void; set(t: number): void } {
  let now = start;
  const clock = () => now;
  clock.advance = (seconds: number) => {
    now += seconds;
  };
  clock.set = (t: number) => {
    now = t;
  };
  return clock;
}

/** A fresh SQLite file in its own temporary folder. */
export function tempSqliteUrl(label = 'agentmc'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${label}-`));
  return path.join(dir, 'test.sqlite');
}

export interface Fixtures {
  team(name?: string): Promise<{ id: number }>;
  user(teamId: number, name?: string): Promise<{ id: number; key: string; keyId: number }>;
  agent(teamId: number, name?: string): Promise<{ id: number; key: string; keyId: number }>;
  /** Another key for an existing agent (a second process of the same agent). */
  agentKey(agentId: number): Promise<{ key: string; keyId: number }>;
  /** A requested session, straight in the store. */
  session(input: {
    agentId: number;
    userId?: number | null;
    ttlSeconds?: number;
    meta?: Record<string, unknown> | null;
    now?: number;
  }): Promise<{ id: number }>;
}

/** Creates teams, people, agents, keys and sessions the way the admin CLI does. */
export function fixtures(store: KyselyStore, clock: Clock = systemClock): Fixtures {
  let counter = 0;
  const key = async (principal: { agentId: number } | { userId: number }) => {
    const generated = generateApiKey();
    const row = await store.createApiKey({
      principal,
      prefix: generated.prefix,
      keyHash: generated.hash,
      now: clock(),
    });
    if (!row) throw new Error('fixture: key owner missing');
    return { key: generated.key, keyId: row.id };
  };
  return {
    team: (name = `team-${++counter}`) => store.createTeam({ name, now: clock() }),
    async user(teamId, name = `user-${++counter}`) {
      const user = await store.createUser({ teamId, name, now: clock() });
      if (!user) throw new Error('fixture: team missing');
      return { id: user.id, ...(await key({ userId: user.id })) };
    },
    async agent(teamId, name = `agent-${++counter}`) {
      const agent = await store.createAgent({ teamId, name, now: clock() });
      if (!agent) throw new Error('fixture: team missing');
      return { id: agent.id, ...(await key({ agentId: agent.id })) };
    },
    agentKey: (agentId) => key({ agentId }),
    async session({ agentId, userId = null, ttlSeconds = 600, meta = null, now = clock() }) {
      const agent = await store.findAgent(agentId);
      if (!agent) throw new Error('fixture: agent missing');
      const session = await store.createSession({
        teamId: agent.team_id,
        agentId,
        requestedByUserId: userId,
        meta,
        expiresAt: now + ttlSeconds,
        now,
      });
      if (!session) throw new Error('fixture: session not created');
      return { id: session.id };
    },
  };
}

export interface TestServer {
  /** `http://127.0.0.1:PORT/api/v1` */
  readonly baseUrl: string;
  readonly origin: string;
  readonly store: KyselyStore;
  readonly clock: Clock;
  readonly databaseUrl: string;
  readonly fixtures: Fixtures;
  close(): Promise<void>;
}

/**
 * A real server on a free loopback port over a real database (a new SQLite file unless
 * `databaseUrl` says otherwise), validating every response against the contract.
 */
export async function startTestServer(
  options: {
    databaseUrl?: string;
    schema?: string;
    clock?: Clock;
    config?: Partial<AppConfig>;
  } = {},
): Promise<TestServer> {
  const databaseUrl = options.databaseUrl ?? tempSqliteUrl();
  const clock = options.clock ?? systemClock;
  const store = await openStore({
    databaseUrl,
    ...(options.schema ? { schema: options.schema } : {}),
  });
  const app = createApp(
    {
      sessionTtlSeconds: 600,
      rateLimitPerMinute: 0,
      validateResponses: true,
      bodyLimit: '64kb',
      ...options.config,
    },
    { store, clock },
  );
  const running = await listen(app, { port: 0, host: '127.0.0.1', shutdownGraceSeconds: 1 });
  return {
    baseUrl: `${running.origin}/api/v1`,
    origin: running.origin,
    store,
    clock,
    databaseUrl,
    fixtures: fixtures(store, clock),
    async close() {
      await running.close();
      await store.close();
    },
  };
}
