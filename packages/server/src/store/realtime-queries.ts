import { SESSION_REASONS, type SessionStatus } from '@agentmc/contract';
import { sql, type Kysely, type Updateable } from 'kysely';
import type { Database, RealtimeSessionsTable, SessionRow, SignalRow } from './schema.js';
import type {
  AppendSignalInput,
  AppendSignalOutcome,
  SweepInput,
  SweepOutcome,
  TransitionInput,
} from './store.js';

// The realtime half of the store: sessions after the claim, and their signals. Plain functions
// over Kysely, so that KyselyStore stays a list of one-line delegations.

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

export async function appendSignal(
  db: Kysely<Database>,
  input: AppendSignalInput,
): Promise<AppendSignalOutcome> {
  const payload = JSON.stringify(input.payload ?? null);
  for (let attempt = 0; attempt < MAX_APPEND_ATTEMPTS; attempt++) {
    // One statement: the session must be open, and seq is the session's max + 1 as this
    // statement sees it. A concurrent writer with the same seq makes one of the two hit the
    // unique (session_id, seq) and do nothing; PostgreSQL makes the second wait for the first
    // to commit, so under READ COMMITTED the retry sees the new max. A repeated idempotency key
    // also does nothing, and is found below.
    const inserted = await db
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
              .where('g.session_id', '=', input.sessionId)
              .as('seq'),
            eb.val(input.sender).as('sender'),
            eb.val(input.type).as('type'),
            eb.val(payload).as('payload'),
            eb.val(input.idempotencyKey).as('idempotency_key'),
            eb.val(input.now).as('created_at'),
          ])
          .where('s.id', '=', input.sessionId);
        if (input.openStatuses !== null) {
          select = select.where('s.status', 'in', [...input.openStatuses]);
        }
        return select;
      })
      .onConflict((oc) => oc.doNothing())
      .returningAll()
      .executeTakeFirst();
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

export function listSignals(
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

export function listSignalsAfterSeq(
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

export function lastSignal(db: Kysely<Database>, sessionId: number) {
  return db
    .selectFrom('realtime_signals')
    .select(['id', 'seq'])
    .where('session_id', '=', sessionId)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export async function seqThrough(
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

export function transitionSession(
  db: Kysely<Database>,
  input: TransitionInput,
): Promise<SessionRow | undefined> {
  const set: Updateable<RealtimeSessionsTable> = { status: input.to, updated_at: input.now };
  if (input.to === 'active') {
    set.opened_at = input.now;
    set.last_agent_heartbeat_at = input.now;
  }
  if (input.to === 'closed' || input.to === 'failed') {
    set.closed_at = input.now;
    set.close_reason = input.reason ?? null;
  }
  let update = db
    .updateTable('realtime_sessions')
    .set(set)
    .where('id', '=', input.sessionId)
    .where('status', 'in', [...input.from]);
  if (input.agentId !== undefined) update = update.where('agent_id', '=', input.agentId);
  return update.returningAll().executeTakeFirst();
}

const HEARTBEAT_STATUSES: readonly SessionStatus[] = ['requested', 'claimed', 'active'];

export async function recordHeartbeat(
  db: Kysely<Database>,
  input: { sessionId: number; side: 'agent' | 'browser'; now: number },
): Promise<void> {
  const column = input.side === 'agent' ? 'last_agent_heartbeat_at' : 'last_browser_heartbeat_at';
  await db
    .updateTable('realtime_sessions')
    .set({ [column]: input.now })
    .where('id', '=', input.sessionId)
    .where('status', 'in', [...HEARTBEAT_STATUSES])
    .where((eb) => eb.or([eb(column, 'is', null), eb(column, '<', input.now)]))
    .execute();
}

export async function sweepSessions(
  db: Kysely<Database>,
  input: SweepInput,
): Promise<SweepOutcome> {
  const { now } = input;
  // Three conditional UPDATEs: each row leaves its status once, so of several sweepers (one
  // per replica) exactly one gets it back and announces the change.
  const expired = await db
    .updateTable('realtime_sessions')
    .set({ status: 'expired', updated_at: now })
    .where('status', '=', 'requested')
    .where('expires_at', '<=', now)
    .returningAll()
    .execute();
  const neverConnected = await db
    .updateTable('realtime_sessions')
    .set({
      status: 'failed',
      closed_at: now,
      close_reason: SESSION_REASONS.agentNeverConnected,
      updated_at: now,
    })
    .where('status', '=', 'claimed')
    .where('claimed_at', '<=', input.connectDeadline)
    .returningAll()
    .execute();
  const heartbeatLost = await db
    .updateTable('realtime_sessions')
    .set({
      status: 'failed',
      closed_at: now,
      close_reason: SESSION_REASONS.agentHeartbeatTimeout,
      updated_at: now,
    })
    .where('status', '=', 'active')
    .where((eb) =>
      eb.or([
        eb('last_agent_heartbeat_at', '<=', input.heartbeatDeadline),
        eb.and([
          eb('last_agent_heartbeat_at', 'is', null),
          eb('opened_at', '<=', input.heartbeatDeadline),
        ]),
      ]),
    )
    .returningAll()
    .execute();
  return { expired, neverConnected, heartbeatLost };
}

export function listUserSessions(
  db: Kysely<Database>,
  input: { userId: number; status?: SessionStatus | undefined; limit: number },
): Promise<SessionRow[]> {
  let select = db
    .selectFrom('realtime_sessions')
    .selectAll()
    .where('requested_by_user_id', '=', input.userId);
  if (input.status !== undefined) select = select.where('status', '=', input.status);
  return select.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(input.limit).execute();
}
