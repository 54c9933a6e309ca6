import { sql, type Kysely } from 'kysely';
import { withIdColumn, type SqlDialect } from './dialect.js';

export async function up(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  await withIdColumn(db.schema.createTable('realtime_signals'), dialect)
    .addColumn('team_id', 'bigint', (col) => col.notNull().references('teams.id'))
    .addColumn('agent_id', 'bigint', (col) => col.notNull().references('agents.id'))
    .addColumn('session_id', 'bigint', (col) => col.notNull().references('realtime_sessions.id'))
    .addColumn('seq', 'bigint', (col) => col.notNull())
    .addColumn('sender', 'text', (col) => col.notNull())
    .addColumn('type', 'text', (col) => col.notNull())
    // JSON text of the payload (`null` included).
    .addColumn('payload', 'text', (col) => col.notNull())
    .addColumn('idempotency_key', 'text')
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    // Two writers that computed the same next seq cannot both win: the loser retries. This is
    // what keeps seq gap-free and unique per session without locks.
    .addUniqueConstraint('realtime_signals_session_seq_key', ['session_id', 'seq'])
    // A repeated idempotency key finds the first signal instead of writing a twin. NULL keys
    // are distinct in both dialects, so signals without a key never collide.
    .addUniqueConstraint('realtime_signals_idempotency_key', [
      'session_id',
      'sender',
      'idempotency_key',
    ])
    .addCheckConstraint('realtime_signals_sender', sql`sender in ('agent', 'browser', 'system')`)
    .execute();

  // Resuming after a signal id: ids grow with seq within a session.
  await db.schema
    .createIndex('realtime_signals_session_id_idx')
    .on('realtime_signals')
    .columns(['session_id', 'id'])
    .execute();

  // The person's list of their own sessions, newest first.
  await db.schema
    .createIndex('realtime_sessions_user_idx')
    .on('realtime_sessions')
    .columns(['requested_by_user_id', 'created_at desc', 'id desc'])
    .execute();
  // The sweeper's two timeouts: claimed sessions by claim time, active ones by heartbeat.
  await db.schema
    .createIndex('realtime_sessions_claimed_idx')
    .on('realtime_sessions')
    .column('claimed_at')
    .where(sql.ref('status'), '=', 'claimed')
    .execute();
  await db.schema
    .createIndex('realtime_sessions_active_heartbeat_idx')
    .on('realtime_sessions')
    .column('last_agent_heartbeat_at')
    .where(sql.ref('status'), '=', 'active')
    .execute();
}
