import { sql, type Kysely } from 'kysely';
import type { SqlDialect } from './migrations/index.js';
import type { Database } from './schema.js';

/**
 * Runs `work` in one transaction: all of it commits, or none of it does.
 *
 * On SQLite the transaction starts with `BEGIN IMMEDIATE`, taking the write lock at once: a
 * deferred transaction that reads before it writes could fail with SQLITE_BUSY when another
 * process wrote meanwhile, while an immediate one waits its turn (busy timeout) instead. Kysely's
 * SQLite driver has one connection; holding it for the callback keeps other queries out.
 */
export function inTransaction<T>(
  db: Kysely<Database>,
  dialect: SqlDialect,
  work: (trx: Kysely<Database>) => Promise<T>,
): Promise<T> {
  if (dialect === 'postgres') return db.transaction().execute(work);
  return db.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    try {
      const result = await work(conn);
      await sql`commit`.execute(conn);
      return result;
    } catch (error) {
      await sql`rollback`.execute(conn).catch(() => undefined);
      throw error;
    }
  });
}
