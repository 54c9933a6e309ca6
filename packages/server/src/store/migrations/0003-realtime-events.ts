import type { Kysely } from 'kysely';
import { withIdColumn, type SqlDialect } from './dialect.js';

/** The event log that processes sharing one SQLite file tail to hear each other. */
export async function up(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  await withIdColumn(db.schema.createTable('realtime_events'), dialect)
    .addColumn('origin', 'text', (col) => col.notNull())
    .addColumn('payload', 'text', (col) => col.notNull())
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .execute();
  await db.schema
    .createIndex('realtime_events_created_at_idx')
    .on('realtime_events')
    .column('created_at')
    .execute();
}
