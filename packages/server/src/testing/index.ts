import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { Database } from '../store/schema.js';
import { createApp, listen, type AppConfig } from '../app.js';
import { busFor } from '../events/open-bus.js';
import { generateApiKey } from '../lib/api-keys.js';
import { systemClock, type Clock } from '../lib/clock.js';
import type { Realtime } from '../realtime/realtime.js';
import type { Sessions } from '../sessions/sessions.js';
import type { Store } from '../store/store.js';
import { createLogger } from '../logger.js';
import { openStore } from '../store/open-store.js';

const silentLogger = createLogger('silent');

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

export type StoreKind = 'sqlite' | 'postgres';

/** The PostgreSQL server tests use; each test database lives in a schema of its own. */
export const PG_TEST_URL = process.env.PG_TEST_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let postgresProbe: Promise<boolean> | undefined;

/** Whether {@link PG_TEST_URL} answers. Asked once per process. */
export function postgresAvailable(): Promise<boolean> {
  postgresProbe ??= (async () => {
    const client = new pg.Client({ connectionString: PG_TEST_URL, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.query('select 1');
      await dropOrphanSchemas(client);
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return postgresProbe;
}

/** Whether a process of this machine is still running (a test run that made a schema). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Test schemas are named `t_<pid>_<random>` and dropped when their test ends; a run that was
 * killed leaves its own behind. Those whose process is gone are dropped here, once per run.
 */
async function dropOrphanSchemas(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ name: string }>(
    String.raw`select nspname as name from pg_namespace where nspname ~ '^t_\d+_[0-9a-f]+$'`,
  );
  for (const { name } of rows) {
    const pid = Number(name.split('_')[1]);
    if (processAlive(pid)) continue;
    await client.query(`drop schema if exists "${name}" cascade`).catch(() => undefined);
  }
}

let skipNoticePrinted = false;

/**
 * The stores a suite runs against: SQLite always, PostgreSQL when it answers. In CI
 * (`CI=true`) an unreachable PostgreSQL is a failure, never a silent skip.
 *
 * @example
 * describe.each(await storeKinds())('claim (%s)', (kind) => { ... });
 */
export async function storeKinds(): Promise<StoreKind[]> {
  if (await postgresAvailable()) return ['sqlite', 'postgres'];
  if (process.env.CI === 'true') {
    throw new Error(`PostgreSQL is not reachable at ${PG_TEST_URL}, and CI=true requires it.`);
  }
  if (!skipNoticePrinted) {
    skipNoticePrinted = true;
    console.warn(
      `PostgreSQL not reachable at ${PG_TEST_URL}: skipping the PostgreSQL runs (set PG_TEST_URL).`,
    );
  }
  return ['sqlite'];
}

export interface TestDatabase {
  readonly kind: StoreKind;
  readonly databaseUrl: string;
  /** The PostgreSQL schema, unique to this database. */
  readonly schema: string | undefined;
  /** Deletes it: the SQLite folder, or the PostgreSQL schema. */
  drop(): Promise<void>;
}

/** A new, empty database of a kind, that no other test or run shares. */
export function testDatabase(kind: StoreKind): TestDatabase {
  if (kind === 'sqlite') {
    const databaseUrl = tempSqliteUrl();
    return {
      kind,
      databaseUrl,
      schema: undefined,
      async drop() {
        fs.rmSync(path.dirname(databaseUrl), { recursive: true, force: true });
      },
    };
  }
  const schema = `t_${process.pid}_${randomBytes(6).toString('hex')}`;
  return {
    kind,
    databaseUrl: PG_TEST_URL,
    schema,
    async drop() {
      const client = new pg.Client({ connectionString: PG_TEST_URL });
      await client.connect();
      try {
        await client.query(`drop schema if exists "${schema}" cascade`);
      } finally {
        await client.end();
      }
    },
  };
}

/** A fresh SQLite file in its own temporary folder. */
export function tempSqliteUrl(label = 'agentmc'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${label}-`));
  return path.join(dir, 'test.sqlite');
}

/**
 * A Kysely connection of the test's own to a test database (the server's store keeps its
 * handle private), for raw SQL checks. The caller destroys it.
 */
export function inspectDatabase(database: TestDatabase): Kysely<Database> {
  if (database.kind === 'sqlite') {
    return new Kysely<Database>({
      dialect: new SqliteDialect({ database: new SqliteDatabase(database.databaseUrl) }),
    });
  }
  const pool = new pg.Pool({
    connectionString: database.databaseUrl,
    max: 2,
    types: {
      getTypeParser: (oid: number, format?: 'text' | 'binary') =>
        oid === 20 ? Number : (pg.types.getTypeParser(oid, format) as (value: string) => unknown),
    },
    ...(database.schema ? { options: `-c search_path="${database.schema}"` } : {}),
  });
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
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
export function fixtures(store: Store, clock: Clock = systemClock): Fixtures {
  let counter = 0;
  const key = async (principal: { agentId: number } | { userId: number }) => {
    const generated = generateApiKey();
    const row = await store.identity.createApiKey({
      principal,
      prefix: generated.prefix,
      keyHash: generated.hash,
      now: clock(),
    });
    if (!row) throw new Error('fixture: key owner missing');
    return { key: generated.key, keyId: row.id };
  };
  return {
    team: (name = `team-${++counter}`) => store.identity.createTeam({ name, now: clock() }),
    async user(teamId, name = `user-${++counter}`) {
      const user = await store.identity.createUser({ teamId, name, now: clock() });
      if (!user) throw new Error('fixture: team missing');
      return { id: user.id, ...(await key({ userId: user.id })) };
    },
    async agent(teamId, name = `agent-${++counter}`) {
      const agent = await store.identity.createAgent({ teamId, name, now: clock() });
      if (!agent) throw new Error('fixture: team missing');
      return { id: agent.id, ...(await key({ agentId: agent.id })) };
    },
    agentKey: (agentId) => key({ agentId }),
    async session({ agentId, userId = null, ttlSeconds = 600, meta = null, now = clock() }) {
      const agent = await store.identity.findAgent(agentId);
      if (!agent) throw new Error('fixture: agent missing');
      const session = await store.sessions.create({
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
  readonly store: Store;
  readonly clock: Clock;
  readonly databaseUrl: string;
  readonly database: TestDatabase;
  readonly fixtures: Fixtures;
  /** The sessions layer every transport calls. */
  readonly sessions: Sessions;
  /** The websocket transport. */
  readonly realtime: Realtime;
  /** Ends abandoned sessions now, as the sweeper's timer would. */
  sweep(): Promise<number>;
  /** A connection of the test's own to the server's database, for raw SQL checks. */
  inspect(): Kysely<Database>;
  close(): Promise<void>;
}

/** The ticket secret test servers share, so that replicas over one database accept each other's. */
export const TEST_TICKET_SECRET = 'test-ticket-secret-0123456789abcdef';

/**
 * A real server on a free loopback port over a new, empty database of the given kind (SQLite
 * unless told otherwise), validating every response against the contract. Pass `database` to
 * serve one that exists (a second replica); it is then left for its owner to drop. On
 * PostgreSQL, replicas share realtime events through LISTEN/NOTIFY, as in production.
 */
export async function startTestServer(
  options: {
    kind?: StoreKind;
    clock?: Clock;
    config?: Partial<AppConfig>;
    database?: TestDatabase;
  } = {},
): Promise<TestServer> {
  const database = options.database ?? testDatabase(options.kind ?? 'sqlite');
  const ownsDatabase = !options.database;
  const { databaseUrl } = database;
  const clock = options.clock ?? systemClock;
  const store = await openStore({
    databaseUrl,
    ...(database.schema ? { schema: database.schema } : {}),
  }).catch(async (error: unknown) => {
    await database.drop().catch(() => undefined);
    throw error;
  });
  const bus = busFor(store, { databaseUrl, schema: database.schema, logger: silentLogger });
  await bus.start();
  const app = createApp(
    {
      sessionTtlSeconds: 600,
      rateLimitPerMinute: 0,
      validateResponses: true,
      bodyLimit: '64kb',
      ...options.config,
      realtime: { ticketSecret: TEST_TICKET_SECRET, ...options.config?.realtime },
    },
    { store, clock, bus },
  );
  const running = await listen(app, { port: 0, host: '127.0.0.1', shutdownGraceSeconds: 1 });
  let inspector: Kysely<Database> | undefined;
  return {
    baseUrl: `${running.origin}/api/v1`,
    origin: running.origin,
    store,
    clock,
    databaseUrl,
    database,
    fixtures: fixtures(store, clock),
    sessions: app.sessions,
    realtime: app.realtime,
    sweep: () => app.sweeper.tick(),
    inspect: () => (inspector ??= inspectDatabase(database)),
    async close() {
      await inspector?.destroy();
      await running.close();
      await bus.close();
      await store.close();
      if (ownsDatabase) await database.drop();
    },
  };
}

export { freePort, spawnServer, type ServerProcess } from './server-process.js';
