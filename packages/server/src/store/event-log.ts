import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { EventLog } from './store.js';

/** The cross-process event log over Kysely. */
export function eventLog(db: Kysely<Database>): EventLog {
  return {
    async append(events) {
      if (events.length === 0) return;
      await db
        .insertInto('realtime_events')
        .values(events.map((e) => ({ origin: e.origin, payload: e.payload, created_at: e.now })))
        .execute();
    },
    after: (input) =>
      db
        .selectFrom('realtime_events')
        .selectAll()
        .where('id', '>', input.afterId)
        .where('origin', '<>', input.exceptOrigin)
        .orderBy('id')
        .limit(input.limit)
        .execute(),
    async lastId() {
      const row = await db
        .selectFrom('realtime_events')
        .select('id')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row?.id ?? 0;
    },
    async prune(before) {
      await db.deleteFrom('realtime_events').where('created_at', '<', before).execute();
    },
  };
}
