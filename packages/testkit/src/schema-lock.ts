import pg from 'pg';

// Opening a store migrates it, and the migrator (Kysely's) starts by listing every table of every
// schema of the database. A schema dropped during that listing makes it fail: 3F000 when the
// schema is gone, 42703 or 42P01 when a column or table of it is. The server retries the first
// only. Test runs drop schemas all the time, and run their files side by side: so the testkit
// drops a test schema only while nothing it started is migrating, under one PostgreSQL advisory
// lock — shared while migrating, exclusive to drop — and opens its stores again when a schema
// it does not control (another run's) went away under the listing anyway.

/** The advisory lock every test run's schema drops and migrations take. */
const SCHEMA_LOCK = 0x61676d63;

/** What a migration fails with when another schema is dropped while it lists the tables. */
const FOREIGN_DROP_CODES = new Set(['3F000', '42703', '42P01']);

async function holding<T>(
  connectionString: string,
  mode: 'shared' | 'exclusive',
  fn: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await client.query(
      mode === 'shared' ? 'select pg_advisory_lock_shared($1)' : 'select pg_advisory_lock($1)',
      [SCHEMA_LOCK],
    );
    return await fn(client);
  } finally {
    // Ending the session releases the lock.
    await client.end().catch(() => undefined);
  }
}

/** Runs `fn` (a drop, on the connection given) once no migration of this run is under way. */
export function dropping<T>(
  connectionString: string,
  fn: (client: pg.Client) => Promise<T>,
): Promise<T> {
  return holding(connectionString, 'exclusive', fn);
}

function isPostgres(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/**
 * Runs `fn`, something that migrates a PostgreSQL test database (opening a store, starting a
 * server or the admin CLI), while no test schema is being dropped. On SQLite, just runs it.
 * Never drop a test database inside `fn`: the drop would wait for `fn` forever.
 *
 * @example
 * const store = await migrating(database.databaseUrl, () => openStore({ … }));
 */
export function migrating<T>(databaseUrl: string, fn: () => Promise<T>): Promise<T> {
  if (!isPostgres(databaseUrl)) return fn();
  return holding(databaseUrl, 'shared', fn);
}

function droppedUnderIt(error: unknown): boolean {
  for (let e = error; e; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && FOREIGN_DROP_CODES.has(code)) return true;
  }
  return false;
}

/**
 * Opens a store (or anything that migrates) under {@link migrating}, trying again a few times
 * when another run's schema was dropped while the migrator listed the tables.
 */
export async function openMigrated<T>(databaseUrl: string, open: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await migrating(databaseUrl, open);
    } catch (error) {
      if (attempt >= 5 || !isPostgres(databaseUrl) || !droppedUnderIt(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}
