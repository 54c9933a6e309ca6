import type { SessionStatus } from '@agentmc/contract';
import type { ExpressionBuilder, Kysely, Updateable } from 'kysely';
import { prepareQuery } from './compiled-query.js';
import type { SqlDialect } from './migrations/index.js';
import type { Database, RealtimeSessionsTable, SessionRow } from './schema.js';
import { appendStatusSignal, type SignalInserts } from './signal-store.js';
import type { SessionStore, StatusChange, TransitionInput } from './store.js';
import { inTransaction } from './transaction.js';

const HEARTBEAT_STATUSES: readonly SessionStatus[] = ['requested', 'claimed', 'active'];

/** Sessions over Kysely: every status change and its status signal commit together. */
export function sessionStore(
  db: Kysely<Database>,
  dialect: SqlDialect,
  inserts: SignalInserts,
): SessionStore {
  const hot = hotQueries(db);
  const find = (id: number, executor: Kysely<Database> = db) =>
    executor.selectFrom('realtime_sessions').selectAll().where('id', '=', id).executeTakeFirst();

  /** Writes each changed row's status signal on the same executor (transaction). */
  const withSignals = async (
    trx: Kysely<Database>,
    rows: readonly SessionRow[],
    reason: string,
    now: number,
  ): Promise<StatusChange[]> => {
    const changes: StatusChange[] = [];
    for (const session of rows) {
      changes.push({
        session,
        signal: await appendStatusSignal(trx, inserts, session, reason, now),
      });
    }
    return changes;
  };

  return {
    listRequested: (input) =>
      input.keyId === undefined
        ? hot.requestedSessions.execute(input)
        : hot.requestedSessionsThroughKey.execute({ ...input, keyId: input.keyId }),

    listForUser(input) {
      let select = db
        .selectFrom('realtime_sessions')
        .selectAll()
        .where('requested_by_user_id', '=', input.userId);
      if (input.status !== undefined) select = select.where('status', '=', input.status);
      const before = input.before;
      if (before) {
        // Strictly after the previous page's last row, in the same order: keyset paging.
        select = select.where((eb) =>
          eb.or([
            eb('created_at', '<', before.createdAt),
            eb.and([eb('created_at', '=', before.createdAt), eb('id', '<', before.id)]),
          ]),
        );
      }
      return select
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(input.limit)
        .execute();
    },

    create: (input) =>
      // Insert only if the agent belongs to the team: one statement, no window in between.
      db
        .insertInto('realtime_sessions')
        .columns([
          'team_id',
          'agent_id',
          'requested_by_user_id',
          'status',
          'expires_at',
          'meta',
          'created_at',
          'updated_at',
        ])
        .expression((eb) =>
          eb
            .selectFrom('agents')
            .select([
              'team_id',
              'id',
              eb.val(input.requestedByUserId).as('requested_by_user_id'),
              eb.val('requested').as('status'),
              eb.val(input.expiresAt).as('expires_at'),
              eb.val(input.meta === null ? null : JSON.stringify(input.meta)).as('meta'),
              eb.val(input.now).as('created_at'),
              eb.val(input.now).as('updated_at'),
            ])
            .where('id', '=', input.agentId)
            .where('team_id', '=', input.teamId),
        )
        .returningAll()
        .executeTakeFirst(),

    find: (id) => find(id),

    async claim(input) {
      const won = await inTransaction(db, dialect, async (trx) => {
        // The whole decision is this one statement: of any number of concurrent claims, the
        // database lets exactly one see status = 'requested'. Its status signal commits with it.
        const [claimed] = await (input.keyId === undefined
          ? hot.claim.execute(input, trx)
          : hot.claimThroughKey.execute({ ...input, keyId: input.keyId }, trx));
        if (!claimed) return undefined;
        const signal = await appendStatusSignal(trx, inserts, claimed, input.reason, input.now);
        return { session: claimed, signal };
      });
      if (won) return { kind: 'claimed', change: won };
      return { kind: 'lost', session: await find(input.sessionId) };
    },

    transition: (input) =>
      inTransaction(db, dialect, async (trx) => {
        const changed = await transitionStatement(trx, input).executeTakeFirst();
        if (!changed) return undefined;
        return {
          session: changed,
          signal: await appendStatusSignal(trx, inserts, changed, input.reason, input.now),
        };
      }),

    async recordHeartbeat(input) {
      const column =
        input.side === 'agent' ? 'last_agent_heartbeat_at' : 'last_browser_heartbeat_at';
      await db
        .updateTable('realtime_sessions')
        .set({ [column]: input.now })
        .where('id', '=', input.sessionId)
        .where('status', 'in', [...HEARTBEAT_STATUSES])
        .where((eb) => eb.or([eb(column, 'is', null), eb(column, '<', input.now)]))
        .execute();
    },

    sweep: (input) =>
      inTransaction(db, dialect, async (trx) => {
        const { now, reasons } = input;
        // Three conditional UPDATEs: each row leaves its status once, so of several sweepers
        // (one per replica) exactly one gets it back, and writes its signal in this transaction.
        const expired = await trx
          .updateTable('realtime_sessions')
          .set({ status: 'expired', updated_at: now })
          .where('status', '=', 'requested')
          .where('expires_at', '<=', now)
          .returningAll()
          .execute();
        const neverConnected = await trx
          .updateTable('realtime_sessions')
          .set({
            status: 'failed',
            closed_at: now,
            close_reason: reasons.neverConnected,
            updated_at: now,
          })
          .where('status', '=', 'claimed')
          .where('claimed_at', '<=', input.connectDeadline)
          .returningAll()
          .execute();
        const heartbeatLost = await trx
          .updateTable('realtime_sessions')
          .set({
            status: 'failed',
            closed_at: now,
            close_reason: reasons.heartbeatLost,
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
        return [
          ...(await withSignals(trx, expired, reasons.expired, now)),
          ...(await withSignals(trx, neverConnected, reasons.neverConnected, now)),
          ...(await withSignals(trx, heartbeatLost, reasons.heartbeatLost, now)),
        ];
      }),

    async countByStatus() {
      const rows = await db
        .selectFrom('realtime_sessions')
        .select(['status', (eb) => eb.fn.countAll<number | string>().as('count')])
        .groupBy('status')
        .execute();
      return Object.fromEntries(rows.map((row) => [row.status, Number(row.count)]));
    },
  };
}

function transitionStatement(db: Kysely<Database>, input: TransitionInput) {
  const set: Updateable<RealtimeSessionsTable> = { status: input.to, updated_at: input.now };
  if (input.to === 'active') {
    set.opened_at = input.now;
    set.last_agent_heartbeat_at = input.now;
  }
  if (input.to === 'closed' || input.to === 'failed') {
    set.closed_at = input.now;
    set.close_reason = input.reason;
  }
  let update = db
    .updateTable('realtime_sessions')
    .set(set)
    .where('id', '=', input.sessionId)
    .where('status', 'in', [...input.from]);
  if (input.agentId !== undefined) update = update.where('agent_id', '=', input.agentId);
  if (input.expiredBy !== undefined) update = update.where('expires_at', '<=', input.expiredBy);
  return update.returningAll();
}

/**
 * "This key is live and its agent enabled", as a condition of the statement that does the work:
 * a revocation that commits before it is seen, whichever process made it.
 */
function keyStands(
  eb: ExpressionBuilder<Database, 'realtime_sessions'>,
  p: { keyId: number; agentId: number },
) {
  return eb.exists(
    eb
      .selectFrom('api_keys as k')
      .innerJoin('agents as a', 'a.id', 'k.agent_id')
      .select('k.id')
      .where('k.id', '=', p.keyId)
      .where('k.agent_id', '=', p.agentId)
      .where('k.revoked_at', 'is', null)
      .where('a.disabled_at', 'is', null),
  );
}

type ListParams = { agentId: number; now: number; limit: number };

type ClaimParams = {
  sessionId: number;
  teamId: number;
  agentId: number;
  now: number;
  claimKey: string | null;
};

/** The queries on every agent request, compiled once: the list and the claim, each with and without the key check. */
function hotQueries(db: Kysely<Database>) {
  const listKinds = { agentId: 'number', now: 'number', limit: 'number' } as const;
  const claimKinds = {
    sessionId: 'number',
    teamId: 'number',
    agentId: 'number',
    now: 'number',
    claimKey: 'string',
  } as const;
  const list = (p: ListParams) =>
    db
      .selectFrom('realtime_sessions')
      .selectAll()
      .where('agent_id', '=', p.agentId)
      .where('status', '=', 'requested')
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', p.now)]));
  const claim = (p: ClaimParams) =>
    db
      .updateTable('realtime_sessions')
      .set({ status: 'claimed', claimed_at: p.now, updated_at: p.now, claim_key: p.claimKey })
      .where('id', '=', p.sessionId)
      .where('team_id', '=', p.teamId)
      .where('agent_id', '=', p.agentId)
      .where('status', '=', 'requested')
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', p.now)]));
  return {
    requestedSessions: prepareQuery(db, listKinds, (p: ListParams) =>
      list(p).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(p.limit),
    ),
    requestedSessionsThroughKey: prepareQuery(
      db,
      { ...listKinds, keyId: 'number' },
      (p: ListParams & { keyId: number }) =>
        list(p)
          .where((eb) => keyStands(eb, p))
          .orderBy('created_at', 'desc')
          .orderBy('id', 'desc')
          .limit(p.limit),
    ),
    claim: prepareQuery(db, claimKinds, (p: ClaimParams) => claim(p).returningAll()),
    claimThroughKey: prepareQuery(
      db,
      { ...claimKinds, keyId: 'number' },
      (p: ClaimParams & { keyId: number }) =>
        claim(p)
          .where((eb) => keyStands(eb, p))
          .returningAll(),
    ),
  };
}
