import { sql, type Kysely } from 'kysely';
import { eventLog } from './event-log.js';
import { guard } from './guard.js';
import { identityStore } from './identity-store.js';
import type { SqlDialect } from './migrations/index.js';
import type { Database } from './schema.js';
import { sessionStore } from './session-store.js';
import { signalInserts, signalStore } from './signal-store.js';
import type {
  EventLog,
  IdentityStore,
  SessionStore,
  SignalStore,
  Store,
  StoreStats,
} from './store.js';

/** The connection pool's counters, where there is one (node-postgres). */
export type PoolState = () => StoreStats['pool'];

/**
 * The {@link Store} over Kysely, one aggregate per concern. The SQL is the same for SQLite and
 * PostgreSQL; only the connection (see `open-store.ts`) and the migrations' column idioms differ.
 * The Kysely handle stays inside the store folder: everything else goes through the aggregates.
 */
export class KyselyStore implements Store {
  readonly dialect: SqlDialect;
  readonly identity: IdentityStore;
  readonly sessions: SessionStore;
  readonly signals: SignalStore;
  readonly events: EventLog;
  readonly #db: Kysely<Database>;
  /** The readiness query, guarded like every aggregate's. */
  readonly #probe: { ping(): Promise<unknown> };
  readonly #pool: PoolState;
  #statementErrors = 0;

  constructor(db: Kysely<Database>, dialect: SqlDialect, pool: PoolState = () => undefined) {
    this.#db = db;
    this.dialect = dialect;
    this.#pool = pool;
    const failed = () => {
      this.#statementErrors++;
    };
    this.identity = guard(identityStore(db), failed);
    // Signals are written by both: their INSERTs are compiled once, for both.
    const inserts = signalInserts(db);
    this.sessions = guard(sessionStore(db, dialect, inserts), failed);
    this.signals = guard(signalStore(db, inserts), failed);
    this.events = guard(eventLog(db), failed);
    this.#probe = guard({ ping: () => sql`select 1`.execute(db) }, failed);
  }

  stats(): StoreStats {
    return { statementErrors: this.#statementErrors, pool: this.#pool() };
  }

  async ping(): Promise<void> {
    await this.#probe.ping();
  }

  async close(): Promise<void> {
    await this.#db.destroy();
  }
}
