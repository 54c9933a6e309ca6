import { sql, type Kysely } from 'kysely';
import { withIdColumn, type SqlDialect } from './dialect.js';

export async function up(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  await withIdColumn(db.schema.createTable('teams'), dialect)
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .execute();

  await withIdColumn(db.schema.createTable('users'), dialect)
    .addColumn('team_id', 'bigint', (col) => col.notNull().references('teams.id'))
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('users_team_idx').on('users').column('team_id').execute();

  await withIdColumn(db.schema.createTable('agents'), dialect)
    .addColumn('team_id', 'bigint', (col) => col.notNull().references('teams.id'))
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('disabled_at', 'bigint')
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('agents_team_idx').on('agents').column('team_id').execute();

  await withIdColumn(db.schema.createTable('api_keys'), dialect)
    .addColumn('team_id', 'bigint', (col) => col.notNull().references('teams.id'))
    .addColumn('agent_id', 'bigint', (col) => col.references('agents.id'))
    .addColumn('user_id', 'bigint', (col) => col.references('users.id'))
    .addColumn('prefix', 'text', (col) => col.notNull())
    .addColumn('key_hash', 'text', (col) => col.notNull().unique())
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('revoked_at', 'bigint')
    .addCheckConstraint('api_keys_one_principal', sql`(agent_id is null) <> (user_id is null)`)
    .execute();

  await withIdColumn(db.schema.createTable('realtime_sessions'), dialect)
    .addColumn('team_id', 'bigint', (col) => col.notNull().references('teams.id'))
    .addColumn('agent_id', 'bigint', (col) => col.notNull().references('agents.id'))
    .addColumn('requested_by_user_id', 'bigint', (col) => col.references('users.id'))
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('claimed_at', 'bigint')
    .addColumn('opened_at', 'bigint')
    .addColumn('closed_at', 'bigint')
    .addColumn('expires_at', 'bigint')
    .addColumn('last_browser_heartbeat_at', 'bigint')
    .addColumn('last_agent_heartbeat_at', 'bigint')
    .addColumn('meta', 'text')
    .addColumn('claim_key', 'text')
    .addColumn('close_reason', 'text')
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('updated_at', 'bigint', (col) => col.notNull())
    .addCheckConstraint(
      'realtime_sessions_status',
      sql`status in ('requested', 'claimed', 'active', 'closed', 'failed', 'expired')`,
    )
    .execute();

  // The agent's list query: its requested sessions, newest first. Partial, so that the index
  // holds only what is still waiting, however many sessions have ended.
  await db.schema
    .createIndex('realtime_sessions_requested_idx')
    .on('realtime_sessions')
    .columns(['agent_id', 'created_at desc', 'id desc'])
    .where(sql.ref('status'), '=', 'requested')
    .execute();
  // Expiry sweeps and per-team reads.
  await db.schema
    .createIndex('realtime_sessions_status_expires_idx')
    .on('realtime_sessions')
    .columns(['status', 'expires_at'])
    .execute();
  await db.schema
    .createIndex('realtime_sessions_team_idx')
    .on('realtime_sessions')
    .columns(['team_id', 'created_at'])
    .execute();
}
