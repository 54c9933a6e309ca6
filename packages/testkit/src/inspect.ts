import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql, type Selectable } from 'kysely';
import pg from 'pg';
import type { TestDatabase } from './test-database.js';

// The tables as the migrations make them, written out here on purpose: the inspector reads what
// is in the database, whatever the server's store calls it.

interface TeamsTable {
  id: number;
  name: string;
  created_at: number;
}

interface UsersTable {
  id: number;
  team_id: number;
  name: string;
  created_at: number;
}

interface AgentsTable {
  id: number;
  team_id: number;
  name: string;
  disabled_at: number | null;
  created_at: number;
}

interface ApiKeysTable {
  id: number;
  team_id: number;
  agent_id: number | null;
  user_id: number | null;
  prefix: string;
  key_hash: string;
  created_at: number;
  revoked_at: number | null;
}

interface RealtimeSessionsTable {
  id: number;
  team_id: number;
  agent_id: number;
  requested_by_user_id: number | null;
  status: 'requested' | 'claimed' | 'active' | 'closed' | 'failed' | 'expired';
  claimed_at: number | null;
  opened_at: number | null;
  closed_at: number | null;
  expires_at: number | null;
  last_browser_heartbeat_at: number | null;
  last_agent_heartbeat_at: number | null;
  /** JSON text, or null. */
  meta: string | null;
  claim_key: string | null;
  close_reason: string | null;
  created_at: number;
  updated_at: number;
}

interface RealtimeSignalsTable {
  id: number;
  team_id: number;
  agent_id: number;
  session_id: number;
  seq: number;
  sender: 'browser' | 'agent' | 'system';
  type: string;
  /** JSON text. */
  payload: string;
  idempotency_key: string | null;
  created_at: number;
}

/** Every table of a test database, with its columns as stored (instants in epoch seconds). */
export interface Tables {
  teams: TeamsTable;
  users: UsersTable;
  agents: AgentsTable;
  api_keys: ApiKeysTable;
  realtime_sessions: RealtimeSessionsTable;
  realtime_signals: RealtimeSignalsTable;
}

export type SessionRow = Selectable<RealtimeSessionsTable>;
export type SignalRow = Selectable<RealtimeSignalsTable>;
export type AgentRow = Selectable<AgentsTable>;

/**
 * Raw SQL on a test database, over a connection of its own (never the server's store): to check
 * what a request stored, or to put a row in a state no request reaches.
 */
export interface Inspector {
  /** Kysely on the database, for any query. */
  readonly query: Kysely<Tables>;
  /** A session's row as stored, if there is one. */
  session(id: number): Promise<SessionRow | undefined>;
  /** A session's signals as stored, in seq order. */
  signals(sessionId: number): Promise<SignalRow[]>;
  /** An agent's row as stored, if there is one. */
  agent(id: number): Promise<AgentRow | undefined>;
  /** How many rows a table holds. */
  count(table: keyof Tables): Promise<number>;
}

const inspectors = new Map<TestDatabase, Inspector>();

/**
 * The inspector of a test database: opened on first use, then the same one until the test
 * server over that database closes or the database is dropped.
 *
 * @example
 * expect(await inspect(server.database).session(id)).toMatchObject({ status: 'claimed' });
 * await inspect(server.database).query.updateTable('realtime_sessions').set({ status }).execute();
 */
export function inspect(database: TestDatabase): Inspector {
  let inspector = inspectors.get(database);
  if (!inspector) {
    inspector = inspectorOn(connect(database));
    inspectors.set(database, inspector);
  }
  return inspector;
}

/** Closes the inspector of a database, if one was opened. */
export async function closeInspector(database: TestDatabase): Promise<void> {
  const inspector = inspectors.get(database);
  if (!inspector) return;
  inspectors.delete(database);
  await inspector.query.destroy();
}

function inspectorOn(db: Kysely<Tables>): Inspector {
  return {
    query: db,
    session: (id) =>
      db.selectFrom('realtime_sessions').selectAll().where('id', '=', id).executeTakeFirst(),
    signals: (sessionId) =>
      db
        .selectFrom('realtime_signals')
        .selectAll()
        .where('session_id', '=', sessionId)
        .orderBy('seq')
        .execute(),
    agent: (id) => db.selectFrom('agents').selectAll().where('id', '=', id).executeTakeFirst(),
    async count(table) {
      const row = await db
        .selectFrom(table)
        .select(sql<number | string>`count(*)`.as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}

// int8 (ids, epoch seconds) arrives from node-postgres as a string; read it as a number, as the
// store does, so that rows compare equal to what the API reports.
const INT8_OID = 20;
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

function connect(database: TestDatabase): Kysely<Tables> {
  if (database.kind === 'sqlite') {
    return new Kysely<Tables>({
      dialect: new SqliteDialect({
        database: async () => {
          const connection = new SqliteDatabase(database.databaseUrl, { fileMustExist: true });
          // The server may hold the write lock for a moment: wait for it, as a second process would.
          connection.pragma('busy_timeout = 5000');
          return connection;
        },
      }),
    });
  }
  const pool = new pg.Pool({
    connectionString: database.databaseUrl,
    max: 2,
    types: pgTypes,
    options: `-c search_path="${database.schema}"`,
  });
  pool.on('error', () => undefined);
  return new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
}
