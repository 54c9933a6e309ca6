import {
  busFor,
  createApp,
  createLogger,
  listen,
  openStore,
  systemClock,
  type AppConfig,
  type Clock,
  type Realtime,
  type Sessions,
  type Store,
} from '@agentmc/server';
import { testDatabase, type StoreKind, type TestDatabase } from './database.js';
import { fixtures, type Fixtures } from './fixtures.js';
import { closeInspector } from './inspect.js';
import { openMigrated } from './schema-lock.js';

const silentLogger = createLogger('silent');

export interface TestServer {
  /** `http://127.0.0.1:PORT/api/v1` */
  readonly baseUrl: string;
  readonly origin: string;
  /** `http://127.0.0.1:PORT` of its metrics listener (`GET /metrics`). */
  readonly metricsOrigin: string;
  readonly store: Store;
  readonly clock: Clock;
  readonly databaseUrl: string;
  readonly database: TestDatabase;
  readonly fixtures: Fixtures;
  /** The sessions layer every transport calls. */
  readonly sessions: Sessions;
  /** The websocket transport. */
  readonly realtime: Realtime;
  /** Ends abandoned sessions now, as the sweeper's timer would; resolves with how many. */
  sweep(): Promise<number>;
  /** Stops it, closes its store and its database's inspector, and drops a database it made. */
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** SQLite unless told otherwise. */
  readonly kind?: StoreKind;
  readonly clock?: Clock;
  readonly config?: Partial<AppConfig>;
  /** A database that exists (a second replica's); left for its owner to drop. */
  readonly database?: TestDatabase;
}

/** The ticket secret test servers share, so that replicas over one database accept each other's. */
export const TEST_TICKET_SECRET = 'test-ticket-secret-0123456789abcdef';

/**
 * A real server on a free loopback port over a new, empty database of the given kind (SQLite
 * unless told otherwise), validating every response against the contract. Pass `database` to
 * serve one that exists (a second replica); it is then left for its owner to drop. Replicas
 * share realtime events as in production: LISTEN/NOTIFY on PostgreSQL, the event log on SQLite.
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const database = options.database ?? testDatabase(options.kind ?? 'sqlite');
  const ownsDatabase = !options.database;
  const { databaseUrl } = database;
  const clock = options.clock ?? systemClock;
  const store = await openMigrated(databaseUrl, () =>
    openStore({ databaseUrl, ...(database.schema ? { schema: database.schema } : {}) }),
  ).catch(async (error: unknown) => {
    if (ownsDatabase) await database.drop().catch(() => undefined);
    throw error;
  });
  const bus = busFor(store, { databaseUrl, schema: database.schema, logger: silentLogger });
  await bus.start();
  const app = createApp(
    {
      sessionTtlSeconds: 600,
      rateLimitPerMinute: 0,
      authFailuresPerMinute: 0,
      validateResponses: true,
      bodyLimit: '64kb',
      ...options.config,
      realtime: { ticketSecret: TEST_TICKET_SECRET, ...options.config?.realtime },
    },
    { store, clock, bus },
  );
  const running = await listen(app, {
    port: 0,
    host: '127.0.0.1',
    shutdownGraceSeconds: 1,
    metricsPort: 0,
  });
  let closing: Promise<void> | undefined;
  return {
    baseUrl: `${running.origin}/api/v1`,
    origin: running.origin,
    metricsOrigin: running.metricsOrigin!,
    store,
    clock,
    databaseUrl,
    database,
    fixtures: fixtures(store, clock),
    sessions: app.sessions,
    realtime: app.realtime,
    sweep: () => app.sweeper.tick(),
    close() {
      closing ??= (async () => {
        await running.close();
        await bus.close();
        await store.close();
        await closeInspector(database);
        if (ownsDatabase) await database.drop();
      })();
      return closing;
    },
  };
}
