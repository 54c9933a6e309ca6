import type { Kysely } from 'kysely';
import { withIdColumn, type SqlDialect } from './dialect.js';

/**
 * What a person in a browser needs: short-lived browser tokens (stored as hashes, like keys, so
 * that every replica and the admin CLI share them through the database), people that can be
 * removed without losing their sessions' history, and when each agent was last seen online.
 */
export async function up(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  await withIdColumn(db.schema.createTable('browser_tokens'), dialect)
    .addColumn('team_id', 'bigint', (col) => col.notNull().references('teams.id'))
    .addColumn('user_id', 'bigint', (col) => col.notNull().references('users.id'))
    // The user key it was minted through: revoking the key ends the token.
    .addColumn('key_id', 'bigint', (col) => col.notNull().references('api_keys.id'))
    .addColumn('token_hash', 'text', (col) => col.notNull().unique())
    .addColumn('expires_at', 'bigint', (col) => col.notNull())
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .execute();
  await db.schema
    .createIndex('browser_tokens_expires_at_idx')
    .on('browser_tokens')
    .column('expires_at')
    .execute();
  await db.schema.alterTable('users').addColumn('removed_at', 'bigint').execute();
  await db.schema.alterTable('agents').addColumn('last_seen_at', 'bigint').execute();
}
