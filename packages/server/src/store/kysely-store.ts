import type { SessionStatus } from '@agentmc/contract';
import { sql, type Kysely } from 'kysely';
import type { Database, SessionRow } from './schema.js';
import type { SqlDialect } from './migrations/index.js';
import { StoreUnavailableError, isUnavailableError } from './errors.js';
import * as realtime from './realtime-queries.js';
import { prepareQuery } from './compiled-query.js';
import type {
  AppendSignalInput,
  ClaimInput,
  ClaimOutcome,
  CreateSessionInput,
  Principal,
  Store,
  SweepInput,
  TransitionInput,
} from './store.js';

/**
 * The {@link Store} over Kysely. The SQL is the same for SQLite and PostgreSQL; only the
 * connection (see `open-store.ts`) and the migrations' column idioms differ.
 */
export class KyselyStore implements Store {
  readonly dialect: SqlDialect;
  readonly #db: Kysely<Database>;

  /** The statements every request runs, compiled once. */
  readonly #hot: ReturnType<typeof hotQueries>;

  constructor(db: Kysely<Database>, dialect: SqlDialect) {
    this.#db = db;
    this.dialect = dialect;
    this.#hot = hotQueries(db);
  }

  /** The Kysely instance, for the store's own extensions and tests. */
  get db(): Kysely<Database> {
    return this.#db;
  }

  findPrincipalByKeyHash(keyHash: string): Promise<Principal | undefined> {
    return this.#run(async () => {
      const [row] = await this.#hot.principalByKeyHash.execute({ keyHash });
      if (!row) return undefined;
      return {
        keyId: row.id,
        teamId: row.team_id,
        agentId: row.agent_id,
        userId: row.user_id,
        agentDisabled: row.disabled_at !== null && row.disabled_at !== undefined,
      };
    });
  }

  listRequestedSessions(input: { agentId: number; now: number; limit: number }) {
    return this.#run(() => this.#hot.requestedSessions.execute(input));
  }

  claimSession(input: ClaimInput): Promise<ClaimOutcome> {
    return this.#run(async () => {
      // The whole decision is this one statement: of any number of concurrent claims, the
      // database lets exactly one see status = 'requested'.
      const [claimed] = await this.#hot.claim.execute(input);
      if (claimed) return { kind: 'claimed', session: claimed };

      // The claim lost; read once to say why. No decision below changes who holds the session.
      const current = await this.findSession(input.sessionId);
      if (!current || current.team_id !== input.teamId) return { kind: 'not_found' };
      if (current.agent_id !== input.agentId) return { kind: 'other_agent' };
      if (current.status === 'requested') {
        const expired = await this.#db
          .updateTable('realtime_sessions')
          .set({ status: 'expired', updated_at: input.now })
          .where('id', '=', input.sessionId)
          .where('status', '=', 'requested')
          .where('expires_at', '<=', input.now)
          .returningAll()
          .executeTakeFirst();
        if (expired) return { kind: 'expired', session: expired, changed: true };
        const after = await this.findSession(input.sessionId);
        if (after?.status === 'expired') return { kind: 'expired', session: after };
        return { kind: 'not_claimable', session: after ?? current };
      }
      if (current.status === 'expired') return { kind: 'expired', session: current };
      const replay =
        input.claimKey !== null &&
        current.claim_key === input.claimKey &&
        (current.status === 'claimed' || current.status === 'active');
      return replay
        ? { kind: 'claimed', session: current, replayed: true }
        : { kind: 'not_claimable', session: current };
    });
  }

  createSession(input: CreateSessionInput): Promise<SessionRow | undefined> {
    return this.#run(async () => {
      // Insert only if the agent belongs to the team: one statement, no window in between.
      const inserted = await this.#db
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
        .executeTakeFirst();
      return inserted;
    });
  }

  findSession(id: number) {
    return this.#run(() =>
      this.#db.selectFrom('realtime_sessions').selectAll().where('id', '=', id).executeTakeFirst(),
    );
  }

  createTeam(input: { name: string; now: number }) {
    return this.#run(() =>
      this.#db
        .insertInto('teams')
        .values({ name: input.name, created_at: input.now })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
  }

  createUser(input: { teamId: number; name: string; now: number }) {
    return this.#run(() =>
      this.#db
        .insertInto('users')
        .columns(['team_id', 'name', 'created_at'])
        .expression((eb) =>
          eb
            .selectFrom('teams')
            .select(['id', eb.val(input.name).as('name'), eb.val(input.now).as('created_at')])
            .where('id', '=', input.teamId),
        )
        .returningAll()
        .executeTakeFirst(),
    );
  }

  createAgent(input: { teamId: number; name: string; now: number }) {
    return this.#run(() =>
      this.#db
        .insertInto('agents')
        .columns(['team_id', 'name', 'created_at'])
        .expression((eb) =>
          eb
            .selectFrom('teams')
            .select(['id', eb.val(input.name).as('name'), eb.val(input.now).as('created_at')])
            .where('id', '=', input.teamId),
        )
        .returningAll()
        .executeTakeFirst(),
    );
  }

  findAgent(id: number) {
    return this.#run(() =>
      this.#db.selectFrom('agents').selectAll().where('id', '=', id).executeTakeFirst(),
    );
  }

  findUser(id: number) {
    return this.#run(() =>
      this.#db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst(),
    );
  }

  setAgentDisabled(input: { agentId: number; disabled: boolean; now: number }) {
    return this.#run(() =>
      this.#db
        .updateTable('agents')
        .set({
          disabled_at: input.disabled
            ? sql<number>`coalesce(${sql.ref('disabled_at')}, ${input.now})`
            : null,
        })
        .where('id', '=', input.agentId)
        .returningAll()
        .executeTakeFirst(),
    );
  }

  createApiKey(input: {
    principal: { agentId: number } | { userId: number };
    prefix: string;
    keyHash: string;
    now: number;
  }) {
    const { principal } = input;
    const owner = 'agentId' in principal ? ('agents' as const) : ('users' as const);
    const ownerId = 'agentId' in principal ? principal.agentId : principal.userId;
    return this.#run(() =>
      this.#db
        .insertInto('api_keys')
        .columns(['team_id', 'agent_id', 'user_id', 'prefix', 'key_hash', 'created_at'])
        .expression((eb) =>
          eb
            .selectFrom(owner)
            .select([
              'team_id',
              eb.val(owner === 'agents' ? ownerId : null).as('agent_id'),
              eb.val(owner === 'users' ? ownerId : null).as('user_id'),
              eb.val(input.prefix).as('prefix'),
              eb.val(input.keyHash).as('key_hash'),
              eb.val(input.now).as('created_at'),
            ])
            .where('id', '=', ownerId),
        )
        .returningAll()
        .executeTakeFirst(),
    );
  }

  revokeApiKey(input: { keyId: number; now: number }) {
    return this.#run(() =>
      this.#db
        .updateTable('api_keys')
        .set({ revoked_at: sql<number>`coalesce(${sql.ref('revoked_at')}, ${input.now})` })
        .where('id', '=', input.keyId)
        .returningAll()
        .executeTakeFirst(),
    );
  }

  listUserSessions(input: { userId: number; status?: SessionStatus | undefined; limit: number }) {
    return this.#run(() => realtime.listUserSessions(this.#db, input));
  }

  transitionSession(input: TransitionInput) {
    return this.#run(() => realtime.transitionSession(this.#db, input));
  }

  recordHeartbeat(input: { sessionId: number; side: 'agent' | 'browser'; now: number }) {
    return this.#run(() => realtime.recordHeartbeat(this.#db, input));
  }

  sweepSessions(input: SweepInput) {
    return this.#run(() => realtime.sweepSessions(this.#db, input));
  }

  appendSignal(input: AppendSignalInput) {
    return this.#run(() => realtime.appendSignal(this.#db, input));
  }

  listSignals(input: { sessionId: number; afterId: number; limit: number }) {
    return this.#run(() => realtime.listSignals(this.#db, input));
  }

  listSignalsAfterSeq(input: { sessionId: number; afterSeq: number; limit: number }) {
    return this.#run(() => realtime.listSignalsAfterSeq(this.#db, input));
  }

  lastSignal(sessionId: number) {
    return this.#run(() => realtime.lastSignal(this.#db, sessionId));
  }

  seqThrough(input: { sessionId: number; signalId: number }) {
    return this.#run(() => realtime.seqThrough(this.#db, input));
  }

  ping(): Promise<void> {
    return this.#run(async () => {
      await sql`select 1`.execute(this.#db);
    });
  }

  async close(): Promise<void> {
    await this.#db.destroy();
  }

  /** Runs a query, turning "the database is not there" into {@link StoreUnavailableError}. */
  async #run<T>(query: () => Promise<T>): Promise<T> {
    try {
      return await query();
    } catch (error) {
      if (isUnavailableError(error)) throw new StoreUnavailableError({ cause: error });
      throw error;
    }
  }
}

/** The queries on every agent request: authentication, the list and the claim. */
function hotQueries(db: Kysely<Database>) {
  return {
    principalByKeyHash: prepareQuery(db, { keyHash: 'string' }, (p: { keyHash: string }) =>
      db
        .selectFrom('api_keys as k')
        .leftJoin('agents as a', 'a.id', 'k.agent_id')
        .select(['k.id', 'k.team_id', 'k.agent_id', 'k.user_id', 'a.disabled_at'])
        .where('k.key_hash', '=', p.keyHash)
        .where('k.revoked_at', 'is', null),
    ),
    requestedSessions: prepareQuery(
      db,
      { agentId: 'number', now: 'number', limit: 'number' },
      (p: { agentId: number; now: number; limit: number }) =>
        db
          .selectFrom('realtime_sessions')
          .selectAll()
          .where('agent_id', '=', p.agentId)
          .where('status', '=', 'requested')
          .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', p.now)]))
          .orderBy('created_at', 'desc')
          .orderBy('id', 'desc')
          .limit(p.limit),
    ),
    claim: prepareQuery(
      db,
      {
        sessionId: 'number',
        teamId: 'number',
        agentId: 'number',
        now: 'number',
        claimKey: 'string',
      },
      (p: {
        sessionId: number;
        teamId: number;
        agentId: number;
        now: number;
        claimKey: string | null;
      }) =>
        db
          .updateTable('realtime_sessions')
          .set({ status: 'claimed', claimed_at: p.now, updated_at: p.now, claim_key: p.claimKey })
          .where('id', '=', p.sessionId)
          .where('team_id', '=', p.teamId)
          .where('agent_id', '=', p.agentId)
          .where('status', '=', 'requested')
          .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', p.now)]))
          .returningAll(),
    ),
  };
}
