import { sql, type Kysely } from 'kysely';
import { eventLog } from './event-log.js';
import { guard } from './guard.js';
import { identityStore } from './identity-store.js';
import type { SqlDialect } from './migrations/index.js';
import type { Database } from './schema.js';
import { sessionStore } from './session-store.js';
import { signalStore } from './signal-store.js';
import type { EventLog, IdentityStore, SessionStore, SignalStore, Store } from './store.js';

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

  constructor(db: Kysely<Database>, dialect: SqlDialect) {
    this.#db = db;
    this.dialect = dialect;
    this.identity = guard(identityStore(db));
    this.sessions = guard(sessionStore(db, dialect));
    this.signals = guard(signalStore(db));
    this.events = guard(eventLog(db));
    this.#probe = guard({ ping: () => sql`select 1`.execute(db) });
  }

  async ping(): Promise<void> {
    await this.#probe.ping();
  }

  async close(): Promise<void> {
    await this.#db.destroy();
  }
}
