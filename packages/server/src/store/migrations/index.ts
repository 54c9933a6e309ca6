import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { Database } from '../schema.js';
import type { SqlDialect } from './dialect.js';
import * as m0001 from './0001-initial.js';
import * as m0002 from './0002-realtime-signals.js';
import * as m0003 from './0003-realtime-events.js';
import * as m0004 from './0004-browser-access.js';

export type { SqlDialect } from './dialect.js';

type VersionedMigration = { up(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> };

/** Versioned migrations, in order. Never edit one that has shipped: add the next. */
const MIGRATIONS: Record<string, VersionedMigration> = {
  '0001-initial': m0001,
  '0002-realtime-signals': m0002,
  '0003-realtime-events': m0003,
  '0004-browser-access': m0004,
};

class StaticMigrationProvider implements MigrationProvider {
  readonly #dialect: SqlDialect;
  constructor(dialect: SqlDialect) {
    this.#dialect = dialect;
  }
  getMigrations(): Promise<Record<string, Migration>> {
    const dialect = this.#dialect;
    return Promise.resolve(
      Object.fromEntries(
        Object.entries(MIGRATIONS).map(([name, m]) => [name, { up: (db) => m.up(db, dialect) }]),
      ),
    );
  }
}

export class MigrationError extends Error {
  constructor(
    readonly migration: string | undefined,
    options: { cause: unknown },
  ) {
    super(`Database migration ${migration ?? '(unknown)'} failed`, options);
    this.name = 'MigrationError';
  }
}

/**
 * Brings the schema up to date. Safe to run from several processes at once.
 *
 * PostgreSQL: Kysely's lock table serialises migrators, and `schema` keeps its bookkeeping
 * tables beside ours (it would otherwise find another schema's `kysely_migration` and believe
 * this one migrated). SQLite: Kysely takes no lock there, so the whole run happens inside one
 * `BEGIN IMMEDIATE` transaction; a second process waits on the write lock (busy timeout), then
 * sees the migrations done.
 */
export async function migrateToLatest(
  db: Kysely<Database>,
  dialect: SqlDialect,
  schema?: string,
): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: new StaticMigrationProvider(dialect),
    ...(schema && dialect === 'postgres' ? { migrationTableSchema: schema } : {}),
    ...(dialect === 'sqlite' ? { disableTransactions: true } : {}),
  });
  if (dialect === 'postgres') return runPastForeignSchemaDrops(migrator, schema);
  // Kysely's SQLite driver has one connection, so these statements and the migrator's share it.
  await sql`begin immediate`.execute(db);
  try {
    const applied = await run(migrator);
    await sql`commit`.execute(db);
    return applied;
  } catch (error) {
    await sql`rollback`.execute(db);
    throw error;
  }
}

/**
 * Kysely's migrator starts by listing every table of the database, checking each schema's
 * privileges by name. A schema that someone else drops meanwhile (another run's test schema,
 * another tenant) fails that listing with 3F000 before anything is applied; the catalog is
 * consistent again a moment later, so try again. Our own schema missing is a real error.
 */
async function runPastForeignSchemaDrops(
  migrator: Migrator,
  schema: string | undefined,
): Promise<string[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run(migrator);
    } catch (error) {
      const cause = (error instanceof MigrationError ? error.cause : error) as {
        code?: unknown;
        message?: unknown;
      };
      const foreignSchemaDropped =
        cause?.code === '3F000' && !(schema && String(cause.message).includes(`"${schema}"`));
      if (!foreignSchemaDropped || attempt >= 10) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
    }
  }
}

async function run(migrator: Migrator): Promise<string[]> {
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new MigrationError(failed?.migrationName, { cause: error });
  }
  return (results ?? []).map((r) => r.migrationName);
}
