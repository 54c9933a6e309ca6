import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql, type SqliteDialectConfig } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';
import { migrateToLatest } from './migrations/index.js';
import { KyselyStore, type PoolState } from './kysely-store.js';
import type { SqlDialect } from './migrations/index.js';
import type { Store } from './store.js';
import { PREPARED_STATEMENT_NAMES } from './compiled-query.js';
import { StatementTimeoutError } from './errors.js';

export interface OpenStoreOptions {
  /** `postgres://…` (or `postgresql://…`) for PostgreSQL; anything else is a SQLite file path. */
  readonly databaseUrl: string;
  /** PostgreSQL pool size. */
  readonly poolSize?: number;
  /** PostgreSQL schema to use (created if missing): lets test runs and tenants never collide. */
  readonly schema?: string;
  /** Apply pending migrations before returning (the default). */
  readonly migrate?: boolean;
  /**
   * Longest a statement may take, in milliseconds (default {@link DEFAULT_STATEMENT_TIMEOUT_MS}).
   * PostgreSQL cancels it itself (`statement_timeout`); a server that does not answer at all has
   * its connection dropped a second later. SQLite waits this long for another process's lock.
   * Either way the caller gets {@link StoreUnavailableError}, answered 503.
   */
  readonly statementTimeoutMs?: number;
  /**
   * SQLite: copy the write-ahead log back into the database file from a worker thread, every
   * this many milliseconds, instead of on the commit that fills it (see checkpointer.ts). The
   * server turns it on; a short-lived process (the CLI, a test) has no need of a thread.
   */
  readonly backgroundCheckpointMs?: number;
  /** Longest wait for a PostgreSQL connection, pool wait included (default 3 s). */
  readonly connectTimeoutMs?: number;
  /**
   * Called with connection errors no query is waiting for: an idle connection dropped, or a
   * connection that failed while checked out (its query fails on its own, as unavailable).
   */
  readonly onBackgroundError?: (error: Error) => void;
}

export const DEFAULT_STATEMENT_TIMEOUT_MS = 5_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 3_000;
/** How much longer than `statement_timeout` a query waits before its connection is dropped. */
const UNANSWERED_MARGIN_MS = 1_000;

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/**
 * Opens the store named by a database URL and brings its schema up to date.
 *
 * @example
 * const store = await openStore({ databaseUrl: './data/agentmc.sqlite' });
 * const team = await store.identity.createTeam({ name: 'Acme', now: Math.floor(Date.now() / 1000) });
 */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const { db, dialect, pool } = isPostgresUrl(options.databaseUrl)
    ? openPostgres(options)
    : openSqlite(options);
  if (options.migrate !== false) {
    try {
      if (options.schema && dialect === 'postgres') await createSchema(db, options.schema);
      const schema =
        dialect === 'postgres' ? (options.schema ?? (await currentSchema(db))) : undefined;
      await migrateToLatest(db, dialect, schema);
    } catch (error) {
      await db.destroy();
      throw error;
    }
  }
  return new KyselyStore(db, dialect, pool);
}

interface Opened {
  readonly db: Kysely<Database>;
  readonly dialect: SqlDialect;
  readonly pool?: PoolState;
}

function openSqlite(options: OpenStoreOptions): Opened {
  const file = options.databaseUrl.replace(/^sqlite:(\/\/)?/i, '');
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const database = new SqliteDatabase(file);
  // WAL lets readers run beside the one writer, across processes; the busy timeout makes a
  // second process (the CLI, another replica) wait for the write lock instead of failing, and
  // bounds that wait: past it SQLITE_BUSY answers 503 rather than a request that never ends.
  database.pragma('journal_mode = WAL');
  database.pragma(`busy_timeout = ${options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS}`);
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  // SQLite's default page cache is 2 MiB; an agent's list reads a page per session it answers,
  // and a hundred agents' pages did not fit: each miss was a read from the operating system.
  database.pragma(`cache_size = -${SQLITE_CACHE_KIB}`);
  const checkpointer =
    options.backgroundCheckpointMs !== undefined && file !== ':memory:'
      ? startCheckpointer(file, options.backgroundCheckpointMs, (error) => {
          // Without its thread, this one checkpoints again as SQLite does by default.
          if (database.open) database.pragma('wal_autocheckpoint = 1000');
          options.onBackgroundError?.(error);
        })
      : undefined;
  // The checkpointer keeps the log short; this thread steps in only if it falls far behind.
  if (checkpointer) database.pragma(`wal_autocheckpoint = ${CHECKPOINT_BACKSTOP_PAGES}`);
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({
      database: withStatementCache(database, () => checkpointer?.postMessage('stop')),
    }),
  });
  return { db, dialect: 'sqlite' };
}

/** SQLite's page cache per connection, in KiB: filled as pages are read, up to this much. */
const SQLITE_CACHE_KIB = 32 * 1024;

/** Pages of write-ahead log (4 KiB each) past which the server checkpoints on its own thread. */
const CHECKPOINT_BACKSTOP_PAGES = 20_000;

/** The checkpointer's worker thread; it never keeps the process alive. */
function startCheckpointer(
  file: string,
  intervalMs: number,
  onFailure: (error: Error) => void,
): Worker {
  const worker = new Worker(new URL('./checkpointer.js', import.meta.url), {
    workerData: { file: path.resolve(file), intervalMs },
  });
  worker.once('error', onFailure);
  worker.unref();
  return worker;
}

/**
 * Kysely prepares every query anew, and better-sqlite3 compiles SQL on each prepare: on the hot
 * paths that compile was the largest single cost. The same SQL text reuses its compiled
 * statement. Safe because Kysely's SQLite driver runs one query at a time on its one
 * connection, so a statement is never in use twice at once. Bounded, since multi-row inserts
 * make SQL texts of many lengths.
 */
function withStatementCache(
  database: SqliteDatabase.Database,
  onClose: () => void,
  capacity = 256,
): SqliteDialectConfig['database'] {
  const statements = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => {
      onClose();
      database.close();
    },
    prepare(sqlText: string) {
      let statement = statements.get(sqlText);
      if (!statement) {
        statement = database.prepare(sqlText);
        if (statements.size >= capacity) statements.delete(statements.keys().next().value!);
        statements.set(sqlText, statement);
      }
      return statement;
    },
  };
}

// int8 (ids, epoch seconds) arrives from node-postgres as a string; every value we store fits a
// JS number exactly (ids are bounded to Number.MAX_SAFE_INTEGER by the contract).
const INT8_OID = 20;
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format) as (value: string) => unknown;
  },
};

function openPostgres(options: OpenStoreOptions): Opened {
  const schema = options.schema;
  const statementTimeoutMs = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  const report = (error: Error) => options.onBackgroundError?.(error);
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    // A live server cancels a statement that runs too long (57014, answered 503); a transaction
    // left open by a client that vanished does not hold its row locks for long.
    statement_timeout: statementTimeoutMs,
    idle_in_transaction_session_timeout: statementTimeoutMs * 2,
    Client: deadlineClient(statementTimeoutMs + UNANSWERED_MARGIN_MS),
    types: pgTypes,
    ...(schema ? { options: `-c search_path=${quoteIdent(schema)}` } : {}),
  });
  // A connection that dies while idle (PostgreSQL restarted) is reported to the pool, which
  // replaces it. One that dies while Kysely holds it checked out has no pool listener: its
  // 'error' event, unheard, would crash the process (ECONNRESET under write load). So every
  // client gets a listener of its own for its whole life, which reports both cases once; its
  // query fails by itself. The pool's own event only needs a listener so as not to throw.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', report));
  const dialect = new PostgresDialect({ pool });
  const db = new Kysely<Database>({ dialect });
  const state: PoolState = () => ({
    size: pool.totalCount,
    idle: pool.idleCount,
    waiting: pool.waitingCount,
  });
  return { db, dialect: 'postgres', pool: state };
}

/**
 * A pg client class whose every query has a deadline on our side as well. `statement_timeout`
 * only helps while the server answers: a black-holed connection or a vanished host never sends
 * the cancel, and the query would wait for the operating system's TCP timeout (many minutes).
 * Past the deadline the query fails with {@link StatementTimeoutError} and the connection is
 * destroyed, so the pool drops it instead of lending it out again.
 *
 * It also runs the texts of {@link PREPARED_STATEMENT_NAMES} as named prepared statements.
 */
export function deadlineClient(deadlineMs: number): typeof pg.Client {
  return class DeadlineClient extends pg.Client {
    /** Prepared statements PostgreSQL refused to run again (their result type changed). */
    readonly #unprepared = new Set<string>();

    // The promise form is the one Kysely uses; callback and submittable forms pass through.
    override query(...args: unknown[]): never {
      const [text, values] = args;
      const name = typeof text === 'string' ? PREPARED_STATEMENT_NAMES.get(text) : undefined;
      if (name !== undefined && Array.isArray(values) && !this.#unprepared.has(name)) {
        return this.#prepared(name, text as string, values) as never;
      }
      return this.#withDeadline(args) as never;
    }

    /**
     * A hot query as a named statement, prepared on this connection the first time. A migration
     * that changes a table under it (another replica's) makes PostgreSQL refuse the prepared plan
     * once (0A000): the query runs unprepared from then on, on this connection.
     */
    async #prepared(name: string, text: string, values: unknown[]): Promise<unknown> {
      try {
        return await this.#withDeadline([{ name, text, values }]);
      } catch (error) {
        if ((error as { code?: unknown }).code !== '0A000') throw error;
        this.#unprepared.add(name);
        return this.#withDeadline([text, values]);
      }
    }

    #withDeadline(args: unknown[]): unknown {
      const result = (super.query as (...a: unknown[]) => unknown)(...args);
      if (!(result instanceof Promise)) return result;
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          reject(new StatementTimeoutError(deadlineMs));
          (
            this as unknown as { connection: { stream: { destroy(): void } } }
          ).connection.stream.destroy();
        }, deadlineMs);
      });
      return Promise.race([result, deadline]).finally(() => clearTimeout(timer)) as never;
    }
  };
}

async function currentSchema(db: Kysely<Database>): Promise<string> {
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  return rows[0]?.schema ?? 'public';
}

/** `create schema if not exists`, tolerating the replica that created it a moment earlier. */
async function createSchema(db: Kysely<Database>, schema: string): Promise<void> {
  try {
    await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  } catch (error) {
    // Two replicas starting together can both pass the "not exists" check; the loser gets a
    // unique violation on the catalog (23505) or "duplicate schema" (42P06). Either way the
    // schema is there now.
    const code = (error as { code?: unknown }).code;
    if (code !== '23505' && code !== '42P06') throw error;
  }
}

function quoteIdent(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) {
    throw new Error(`Invalid PostgreSQL schema name: ${name}`);
  }
  return `"${name}"`;
}
