import {
  SESSION_STATUS_SIGNAL_TYPE,
  type SessionStatus,
  type SessionStatusSignalPayload,
} from '@agentmc/contract';
import { sql, type Kysely } from 'kysely';
import { prepareQuery } from './compiled-query.js';
import type { Database, SessionRow, SignalRow } from './schema.js';
import type { AppendSignalInput, AppendSignalOutcome, SignalStore } from './store.js';

/** Writers that lose the race for a seq retry; this many losses in a row is not a race. */
const MAX_APPEND_ATTEMPTS = 50;

const SIGNAL_COLUMNS = [
  'team_id',
  'agent_id',
  'session_id',
  'seq',
  'sender',
  'type',
  'payload',
  'idempotency_key',
  'created_at',
] as const;

type InsertParams = {
  sessionId: number;
  sender: string;
  type: string;
  payload: string;
  idempotencyKey: string | null;
  now: number;
};

/**
 * The signal INSERT, compiled once per set of statuses that take it (a side's, or any for the
 * server's own): a signal is written on every message and every status change.
 */
export function signalInserts(db: Kysely<Database>) {
  const byStatuses = new Map<string, ReturnType<typeof prepareInsert>>();
  const prepareInsert = (openStatuses: readonly SessionStatus[] | null) =>
    prepareQuery(
      db,
      {
        sessionId: 'number',
        sender: 'string',
        type: 'string',
        payload: 'string',
        idempotencyKey: 'string',
        now: 'number',
      },
      (p: InsertParams) =>
        db
          .insertInto('realtime_signals')
          .columns(SIGNAL_COLUMNS)
          .expression((eb) => {
            let select = eb
              .selectFrom('realtime_sessions as s')
              .select([
                's.team_id',
                's.agent_id',
                's.id',
                eb
                  .selectFrom('realtime_signals as g')
                  .select(sql<number>`coalesce(max(g.seq), 0) + 1`.as('next_seq'))
                  .where('g.session_id', '=', p.sessionId)
                  .as('seq'),
                eb.val(p.sender).as('sender'),
                eb.val(p.type).as('type'),
                eb.val(p.payload).as('payload'),
                eb.val(p.idempotencyKey).as('idempotency_key'),
                eb.val(p.now).as('created_at'),
              ])
              .where('s.id', '=', p.sessionId);
            if (openStatuses !== null) select = select.where('s.status', 'in', [...openStatuses]);
            return select;
          })
          .onConflict((oc) => oc.doNothing())
          .returningAll(),
    );
  return (
    executor: Kysely<Database>,
    openStatuses: readonly SessionStatus[] | null,
    params: InsertParams,
  ) => {
    const key = openStatuses === null ? '*' : openStatuses.join(',');
    let insert = byStatuses.get(key);
    if (!insert) byStatuses.set(key, (insert = prepareInsert(openStatuses)));
    return insert.execute(params, executor);
  };
}

export type SignalInserts = ReturnType<typeof signalInserts>;

/** {@link SignalStore.append}, on any executor (a transaction's included). */
export async function appendSignal(
  db: Kysely<Database>,
  inserts: SignalInserts,
  input: Omit<AppendSignalInput, 'openStatuses'> & {
    /** Null for the server's own signals, which any status takes. */
    readonly openStatuses: readonly SessionStatus[] | null;
  },
): Promise<AppendSignalOutcome> {
  const payload = JSON.stringify(input.payload ?? null);
  for (let attempt = 0; attempt < MAX_APPEND_ATTEMPTS; attempt++) {
    // One statement: the session must be open, and seq is the session's max + 1 as this
    // statement sees it. A concurrent writer with the same seq makes one of the two hit the
    // unique (session_id, seq) and do nothing; PostgreSQL makes the second wait for the first
    // to commit, so under READ COMMITTED the retry sees the new max. A repeated idempotency key
    // also does nothing, and is found below.
    const [inserted] = await inserts(db, input.openStatuses, {
      sessionId: input.sessionId,
      sender: input.sender,
      type: input.type,
      payload,
      idempotencyKey: input.idempotencyKey,
      now: input.now,
    });
    if (inserted) return { kind: 'created', signal: inserted };

    if (input.idempotencyKey !== null) {
      const first = await db
        .selectFrom('realtime_signals')
        .selectAll()
        .where('session_id', '=', input.sessionId)
        .where('sender', '=', input.sender)
        .where('idempotency_key', '=', input.idempotencyKey)
        .executeTakeFirst();
      if (first) return { kind: 'replayed', signal: first };
    }
    const session = await db
      .selectFrom('realtime_sessions')
      .selectAll()
      .where('id', '=', input.sessionId)
      .executeTakeFirst();
    if (!session || (input.openStatuses !== null && !input.openStatuses.includes(session.status))) {
      return { kind: 'not_open', session };
    }
    // Another writer took this seq first; the next attempt sees it.
  }
  throw new Error(`Could not append a signal to session ${input.sessionId}: seq contention`);
}

function listSignals(
  db: Kysely<Database>,
  input: { sessionId: number; afterId: number; limit: number },
): Promise<SignalRow[]> {
  return db
    .selectFrom('realtime_signals')
    .selectAll()
    .where('session_id', '=', input.sessionId)
    .where('id', '>', input.afterId)
    .orderBy('seq')
    .limit(input.limit)
    .execute();
}

function listSignalsAfterSeq(
  db: Kysely<Database>,
  input: { sessionId: number; afterSeq: number; limit: number },
): Promise<SignalRow[]> {
  return db
    .selectFrom('realtime_signals')
    .selectAll()
    .where('session_id', '=', input.sessionId)
    .where('seq', '>', input.afterSeq)
    .orderBy('seq')
    .limit(input.limit)
    .execute();
}

function lastSignal(db: Kysely<Database>, sessionId: number) {
  return db
    .selectFrom('realtime_signals')
    .select(['id', 'seq'])
    .where('session_id', '=', sessionId)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
}

async function seqThrough(
  db: Kysely<Database>,
  input: { sessionId: number; signalId: number },
): Promise<number> {
  const row = await db
    .selectFrom('realtime_signals')
    .select('seq')
    .where('session_id', '=', input.sessionId)
    .where('id', '<=', input.signalId)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.seq ?? 0;
}

/**
 * Writes the `session.status` system signal of a status change. A session reaches each status at
 * most once; the idempotency key keeps it to one signal each, so a repeat writes nothing.
 */
export async function appendStatusSignal(
  db: Kysely<Database>,
  inserts: SignalInserts,
  session: SessionRow,
  reason: string,
  now: number,
): Promise<SignalRow | undefined> {
  const payload: SessionStatusSignalPayload = { status: session.status, reason };
  const outcome = await appendSignal(db, inserts, {
    sessionId: session.id,
    sender: 'system',
    type: SESSION_STATUS_SIGNAL_TYPE,
    payload,
    idempotencyKey: `status:${session.status}`,
    now,
    openStatuses: null,
  });
  return outcome.kind === 'created' ? outcome.signal : undefined;
}

/** Signals over Kysely. */
export function signalStore(db: Kysely<Database>, inserts: SignalInserts): SignalStore {
  return {
    append: (input) => appendSignal(db, inserts, input),
    list: (input) => listSignals(db, input),
    listAfterSeq: (input) => listSignalsAfterSeq(db, input),
    last: (sessionId) => lastSignal(db, sessionId),
    seqThrough: (input) => seqThrough(db, input),
  };
}
