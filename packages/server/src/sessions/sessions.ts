import {
  API_BASE_PATH,
  REALTIME_SOCKET_PATHS,
  SESSION_REASONS,
  TICKET_QUERY_PARAM,
  isEndedStatus,
  type AgentRealtimeSession,
  type CloseStatus,
  type RealtimeSignal,
  type RealtimeTicket,
  type SessionStatus,
} from '@agentmc/contract';
import {
  ended,
  expired,
  forbidden,
  invalid,
  notClaimable,
  notClaimed,
  notFound,
  ok,
  unauthenticated,
  type Ended,
  type Expired,
  type Forbidden,
  type Invalid,
  type NotClaimable,
  type NotClaimed,
  type NotFound,
  type Result,
  type Unauthenticated,
} from '../errors/failures.js';
import type { RealtimeBus } from '../events/bus.js';
import { formatTimestamp, type Clock } from '../lib/clock.js';
import type { Logger } from '../logger.js';
import type { SessionRow, SignalRow } from '../store/schema.js';
import type { StatusChange, Store } from '../store/store.js';
import { accessFailure } from './access.js';
import {
  sideOf,
  type Actor,
  type AgentActor,
  type PersonActor,
  type Requester,
  type Side,
} from './actor.js';
import { toSessionResource, toSignalResource } from './resources.js';
import { TicketSigner, type TicketClaims } from './tickets.js';

/** The statuses in which each side may still send (and close). */
const OPEN_FOR: Record<Side, readonly SessionStatus[]> = {
  agent: ['claimed', 'active'],
  browser: ['requested', 'claimed', 'active'],
};

export interface SessionsConfig {
  /** A request's time to live when it names none. */
  readonly sessionTtlSeconds: number;
  readonly connectTimeoutSeconds: number;
  readonly heartbeatTimeoutSeconds: number;
  /** Undefined: a random secret per process (a single replica). */
  readonly ticketSecret: string | undefined;
  readonly ticketTtlSeconds: number;
  /** The websocket base clients are told to use; else where they reached us. */
  readonly publicUrl: string | undefined;
}

export interface SessionsDeps {
  readonly store: Store;
  readonly bus: RealtimeBus;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly config: SessionsConfig;
}

/** A signal as a socket delivers it: the resource, and the key its sender gave it. */
export interface StreamedSignal {
  readonly seq: number;
  readonly signal: RealtimeSignal;
  readonly idempotencyKey: string | null;
}

/** A websocket the ticket and the store agree may open. */
export type Admission =
  | { readonly kind: 'session'; readonly actor: Actor; readonly sessionId: number }
  | { readonly kind: 'watch'; readonly actor: AgentActor };

/** The socket a websocket path names. */
export type SocketTarget = { kind: 'session'; sessionId: number } | { kind: 'watch' };

/** A signal to send: what a side wrote. */
export interface SignalDraft {
  readonly type: string;
  readonly payload: unknown;
  readonly idempotencyKey: string | null;
}

/** A page of a session's signals, with the session as it is. */
export interface SignalsPage {
  readonly data: RealtimeSignal[];
  readonly session: AgentRealtimeSession;
}

/** How a side closes: as `closed` (default) or `failed`, and why. */
export interface CloseInput {
  readonly status?: CloseStatus | undefined;
  readonly reason?: string | undefined;
}

type Sent = { readonly created: boolean; readonly signal: RealtimeSignal };

/**
 * The rules of realtime sessions, once, for every transport: request, claim, send, close,
 * connect, heartbeat and sweep; who may act on a session; and the announcement of every change.
 * HTTP routes, websocket handlers and the admin CLI call this and only translate its results.
 *
 * Every status change is decided by one conditional UPDATE that commits together with its
 * `session.status` signal; the change is published on the bus after the commit, so both sides
 * hear of it (and a side that missed it finds it in the signals).
 *
 * @example
 * const sessions = new Sessions({ store, bus, clock, logger, config });
 * const claimed = await sessions.claim({ kind: 'agent', agentId: 7, teamId: 1 }, 42, null);
 * if (claimed.ok) console.log(claimed.value.status); // 'claimed'
 * else console.log(claimed.code); // e.g. 'realtime_session.not_claimable'
 */
export class Sessions {
  readonly #deps: SessionsDeps;
  readonly #tickets: TicketSigner;

  constructor(deps: SessionsDeps) {
    this.#deps = deps;
    this.#tickets = new TicketSigner({
      secret: deps.config.ticketSecret,
      ttlSeconds: deps.config.ticketTtlSeconds,
    });
  }

  /** The sessions layer's clock, in epoch seconds (tests move it). */
  now(): number {
    return this.#deps.clock();
  }

  // ---- the request and the claim ----

  /** A person (or the operator) asks for a session with an agent of the team. */
  async request(
    requester: Requester,
    input: {
      agentId: number;
      meta: Record<string, unknown> | null;
      ttlSeconds?: number | undefined;
    },
  ): Promise<Result<AgentRealtimeSession, NotFound | Invalid>> {
    const { store, clock, config } = this.#deps;
    const agent = await store.identity.findAgent(input.agentId);
    if (!agent || (requester.kind === 'person' && agent.team_id !== requester.teamId)) {
      return notFound('Agent not found.');
    }
    if (agent.disabled_at !== null) return invalid({ agent_id: ['This agent is disabled.'] });
    const now = clock();
    const row = await store.sessions.create({
      teamId: agent.team_id,
      agentId: agent.id,
      requestedByUserId: requester.kind === 'person' ? requester.personId : null,
      meta: input.meta,
      expiresAt: now + (input.ttlSeconds ?? config.sessionTtlSeconds),
      now,
    });
    // The agent left the team between the two statements: same answer as if never there.
    if (!row) return notFound('Agent not found.');
    const session = toSessionResource(row);
    this.#deps.bus.publish({
      kind: 'requested',
      sessionId: row.id,
      agentId: row.agent_id,
      session,
    });
    return ok(session);
  }

  /** The agent's requested, unexpired sessions, newest first. */
  async listRequested(agent: AgentActor, limit: number): Promise<AgentRealtimeSession[]> {
    const rows = await this.#deps.store.sessions.listRequested({
      agentId: agent.agentId,
      now: this.#deps.clock(),
      limit,
    });
    return rows.map(toSessionResource);
  }

  /**
   * The claim: exactly one of any number of concurrent claimers wins. A claimer repeating a claim
   * it won with the same key gets the session again; an expired request is marked expired.
   */
  async claim(
    agent: AgentActor,
    sessionId: number,
    claimKey: string | null,
  ): Promise<Result<AgentRealtimeSession, NotFound | Forbidden | NotClaimable | Expired>> {
    const { store, clock } = this.#deps;
    const now = clock();
    const outcome = await store.sessions.claim({
      sessionId,
      teamId: agent.teamId,
      agentId: agent.agentId,
      now,
      claimKey,
      reason: SESSION_REASONS.claimed,
    });
    if (outcome.kind === 'claimed') return ok(this.#announce(outcome.change));

    // The claim lost; say why. Nothing below changes who holds the session.
    const current = outcome.session;
    const denied = accessFailure(agent, current);
    if (denied) return denied;
    const row = current!;
    if (row.status === 'requested') {
      const expiry = await store.sessions.transition({
        sessionId,
        from: ['requested'],
        to: 'expired',
        now,
        reason: SESSION_REASONS.requestExpired,
        expiredBy: now,
      });
      if (expiry) {
        this.#announce(expiry);
        return expired(expiry.session);
      }
      const after = (await store.sessions.find(sessionId)) ?? row;
      return after.status === 'expired' ? expired(after) : notClaimable(after);
    }
    if (row.status === 'expired') return expired(row);
    const replay =
      claimKey !== null &&
      row.claim_key === claimKey &&
      (row.status === 'claimed' || row.status === 'active');
    return replay ? ok(toSessionResource(row)) : notClaimable(row);
  }

  // ---- reading ----

  /** The person's own sessions, newest first. */
  async listForPerson(
    person: PersonActor,
    query: { status?: SessionStatus | undefined; limit: number },
  ): Promise<AgentRealtimeSession[]> {
    const rows = await this.#deps.store.sessions.listForUser({
      userId: person.personId,
      status: query.status,
      limit: query.limit,
    });
    return rows.map(toSessionResource);
  }

  /** One session the actor may see. */
  async get(
    actor: Actor,
    sessionId: number,
  ): Promise<Result<AgentRealtimeSession, NotFound | Forbidden>> {
    const found = await this.#session(actor, sessionId);
    return found.ok ? ok(toSessionResource(found.value)) : found;
  }

  /** A page of a session's signals after a signal id, in seq order. */
  async signals(
    actor: Actor,
    sessionId: number,
    query: { afterId: number; limit: number },
  ): Promise<Result<SignalsPage, NotFound | Forbidden>> {
    const found = await this.#session(actor, sessionId);
    if (!found.ok) return found;
    const rows = await this.#deps.store.signals.list({
      sessionId,
      afterId: query.afterId,
      limit: query.limit,
    });
    return ok({ data: rows.map(toSignalResource), session: toSessionResource(found.value) });
  }

  // ---- talking ----

  /** One side sends a signal: `created` false when its idempotency key was seen before. */
  async send(
    actor: Actor,
    sessionId: number,
    draft: SignalDraft,
  ): Promise<Result<Sent, NotFound | Forbidden | NotClaimed | Ended>> {
    const found = await this.#session(actor, sessionId);
    if (!found.ok) return found;
    return this.#append(sideOf(actor), sessionId, draft);
  }

  /** A signal from an open websocket, whose admission already checked the access rule. */
  sendAdmitted(
    admission: Extract<Admission, { kind: 'session' }>,
    draft: SignalDraft,
  ): Promise<Result<Sent, NotFound | NotClaimed | Ended>> {
    return this.#append(sideOf(admission.actor), admission.sessionId, draft);
  }

  /**
   * A deliberate close by one side, as `closed` (default) or `failed`. Closing a session that
   * has ended changes nothing and answers with it as it is; an agent cannot close a session it
   * never claimed.
   */
  close(
    actor: PersonActor,
    sessionId: number,
    input: CloseInput,
  ): Promise<Result<AgentRealtimeSession, NotFound | Forbidden>>;
  close(
    actor: Actor,
    sessionId: number,
    input: CloseInput,
  ): Promise<Result<AgentRealtimeSession, NotFound | Forbidden | NotClaimed>>;
  async close(
    actor: Actor,
    sessionId: number,
    input: CloseInput,
  ): Promise<Result<AgentRealtimeSession, NotFound | Forbidden | NotClaimed>> {
    const found = await this.#session(actor, sessionId);
    if (!found.ok) return found;
    const { store, clock } = this.#deps;
    const side = sideOf(actor);
    const reason =
      input.reason ??
      (side === 'agent' ? SESSION_REASONS.closedByAgent : SESSION_REASONS.closedByUser);
    // The status may move under us (claimed → active) between the UPDATE and the read; then the
    // UPDATE is simply tried again. Ended is final, so this converges at once.
    for (let attempt = 0; attempt < 5; attempt++) {
      const change = await store.sessions.transition({
        sessionId,
        from: OPEN_FOR[side],
        to: input.status ?? 'closed',
        now: clock(),
        reason,
        ...(actor.kind === 'agent' ? { agentId: actor.agentId } : {}),
      });
      if (change) return ok(this.#announce(change));
      const current = await store.sessions.find(sessionId);
      if (!current) return notFound();
      if (isEndedStatus(current.status)) return ok(toSessionResource(current));
      if (!OPEN_FOR[side].includes(current.status)) return notClaimed(current.status);
    }
    throw new Error(`Could not close session ${sessionId}: its status kept changing`);
  }

  // ---- websockets ----

  /**
   * A ticket for a session's websocket for an agent, which must have claimed it and not ended
   * it. `origin` is where the client reached the API (`ws://host:port`).
   */
  async agentTicket(
    agent: AgentActor,
    sessionId: number,
    origin: string,
  ): Promise<Result<RealtimeTicket, NotFound | Forbidden | NotClaimed | Ended>> {
    const found = await this.#session(agent, sessionId);
    if (!found.ok) return found;
    const row = found.value;
    if (row.status === 'requested' || row.claimed_at === null) return notClaimed(row.status);
    if (row.status !== 'claimed' && row.status !== 'active') {
      return ended(row.status, `This realtime session is ${row.status}.`);
    }
    return ok(this.ticket(origin, agent, sessionId));
  }

  /** A ticket for one session's websocket (the caller has the session), or the agent's watch. */
  ticket(origin: string, actor: Actor, sessionId: number): RealtimeTicket;
  ticket(origin: string, actor: AgentActor, sessionId: 'watch'): RealtimeTicket;
  ticket(origin: string, actor: Actor, sessionId: number | 'watch'): RealtimeTicket {
    const claims: TicketClaims =
      sessionId === 'watch' && actor.kind === 'agent'
        ? { kind: 'watch', agentId: actor.agentId, teamId: actor.teamId }
        : {
            kind: 'session',
            role: sideOf(actor),
            principalId: actor.kind === 'agent' ? actor.agentId : actor.personId,
            teamId: actor.teamId,
            sessionId: sessionId as number,
          };
    const { token, expiresAt } = this.#tickets.issue(claims, this.#deps.clock());
    const base = this.#deps.config.publicUrl ?? `${origin}${API_BASE_PATH}`;
    const path =
      claims.kind === 'watch'
        ? REALTIME_SOCKET_PATHS.watch
        : REALTIME_SOCKET_PATHS.session.replace(':session', String(claims.sessionId));
    return {
      url: `${base}${path}?${TICKET_QUERY_PARAM}=${encodeURIComponent(token)}`,
      token,
      expires_at: formatTimestamp(expiresAt),
    };
  }

  /**
   * Whether a websocket may open, with the same answers as HTTP: 401 for a missing, forged or
   * expired ticket; 403 for a ticket for another socket, or a principal that may no longer act;
   * 404 for what the principal cannot see; 409 for an agent whose session is not claimed.
   */
  async admit(
    target: SocketTarget,
    token: string | null,
  ): Promise<Result<Admission, Unauthenticated | Forbidden | NotFound | NotClaimed>> {
    const { store, clock } = this.#deps;
    if (!token) return unauthenticated('A websocket ticket is required (?ticket=).');
    const claims = this.#tickets.verify(token, clock());
    if (claims === 'expired') return unauthenticated('This websocket ticket has expired.');
    if (typeof claims === 'string') return unauthenticated('Invalid websocket ticket.');

    if (target.kind === 'watch') {
      if (claims.kind !== 'watch') return forbidden('This ticket is not for a watch socket.');
      const agent = await store.identity.findAgent(claims.agentId);
      if (!agent || agent.team_id !== claims.teamId) return unauthenticated();
      if (agent.disabled_at !== null) return forbidden('This agent is disabled.');
      return ok({
        kind: 'watch',
        actor: { kind: 'agent', agentId: agent.id, teamId: agent.team_id },
      });
    }

    if (claims.kind !== 'session' || claims.sessionId !== target.sessionId) {
      return forbidden('This ticket is for another socket.');
    }
    const actor: Actor =
      claims.role === 'agent'
        ? { kind: 'agent', agentId: claims.principalId, teamId: claims.teamId }
        : { kind: 'person', personId: claims.principalId, teamId: claims.teamId };
    const found = await this.#session(actor, target.sessionId);
    if (!found.ok) return found;
    if (actor.kind === 'agent') {
      const agent = await store.identity.findAgent(actor.agentId);
      if (!agent || agent.disabled_at !== null) return forbidden('This agent is disabled.');
      const row = found.value;
      if (row.status === 'requested' || row.claimed_at === null) {
        return notClaimed(row.status, 'Claim this realtime session before connecting to it.');
      }
    }
    return ok({ kind: 'session', actor, sessionId: target.sessionId });
  }

  /**
   * A side's socket opened: the agent's first connection makes the session `active`, any other
   * is a heartbeat. Returns the session as it is now and its newest signal, or undefined when
   * the session is gone.
   */
  async connect(
    admission: Extract<Admission, { kind: 'session' }>,
  ): Promise<
    { session: AgentRealtimeSession; last: { id: number; seq: number } | undefined } | undefined
  > {
    const { store, clock } = this.#deps;
    const { actor, sessionId } = admission;
    const now = clock();
    if (actor.kind === 'agent') {
      const opened = await store.sessions.transition({
        sessionId,
        agentId: actor.agentId,
        from: ['claimed'],
        to: 'active',
        now,
        reason: SESSION_REASONS.agentConnected,
      });
      if (opened) this.#announce(opened);
      else await store.sessions.recordHeartbeat({ sessionId, side: 'agent', now });
    } else {
      await store.sessions.recordHeartbeat({ sessionId, side: 'browser', now });
    }
    const [row, last] = await Promise.all([
      store.sessions.find(sessionId),
      store.signals.last(sessionId),
    ]);
    return row && { session: toSessionResource(row), last };
  }

  /** One side was heard from. */
  heartbeat(admission: Extract<Admission, { kind: 'session' }>): Promise<void> {
    return this.#deps.store.sessions.recordHeartbeat({
      sessionId: admission.sessionId,
      side: sideOf(admission.actor),
      now: this.#deps.clock(),
    });
  }

  /** A session as it is now, for a socket that was told it changed. */
  async current(sessionId: number): Promise<AgentRealtimeSession | undefined> {
    const row = await this.#deps.store.sessions.find(sessionId);
    return row && toSessionResource(row);
  }

  /** Signals with a seq above `afterSeq`, in seq order: a socket's catch-up. */
  async stream(sessionId: number, afterSeq: number, limit: number): Promise<StreamedSignal[]> {
    const rows = await this.#deps.store.signals.listAfterSeq({ sessionId, afterSeq, limit });
    return rows.map(streamed);
  }

  /** The seq a `resume` after a signal id starts from. */
  seqThrough(sessionId: number, signalId: number): Promise<number> {
    return this.#deps.store.signals.seqThrough({ sessionId, signalId });
  }

  /** The sessions waiting for an agent, for its watch socket. */
  waitingFor(agent: AgentActor, limit: number): Promise<AgentRealtimeSession[]> {
    return this.listRequested(agent, limit);
  }

  // ---- the server's own decisions ----

  /** Ends every abandoned session and announces each. Returns how many ended. */
  async sweep(): Promise<number> {
    const { store, clock, config } = this.#deps;
    const now = clock();
    const changes = await store.sessions.sweep({
      now,
      connectDeadline: now - config.connectTimeoutSeconds,
      heartbeatDeadline: now - config.heartbeatTimeoutSeconds,
      reasons: {
        expired: SESSION_REASONS.requestExpired,
        neverConnected: SESSION_REASONS.agentNeverConnected,
        heartbeatLost: SESSION_REASONS.agentHeartbeatTimeout,
      },
    });
    for (const change of changes) this.#announce(change);
    return changes.length;
  }

  // ---- inside ----

  async #session(
    actor: Actor,
    sessionId: number,
  ): Promise<Result<SessionRow, NotFound | Forbidden>> {
    const row = await this.#deps.store.sessions.find(sessionId);
    return accessFailure(actor, row) ?? ok(row!);
  }

  async #append(
    side: Side,
    sessionId: number,
    draft: SignalDraft,
  ): Promise<Result<Sent, NotFound | NotClaimed | Ended>> {
    const outcome = await this.#deps.store.signals.append({
      sessionId,
      sender: side,
      type: draft.type,
      payload: draft.payload,
      idempotencyKey: draft.idempotencyKey,
      now: this.#deps.clock(),
      openStatuses: OPEN_FOR[side],
    });
    switch (outcome.kind) {
      case 'created':
        this.#publishSignal(outcome.signal);
        return ok({ created: true, signal: toSignalResource(outcome.signal) });
      case 'replayed':
        return ok({ created: false, signal: toSignalResource(outcome.signal) });
      case 'not_open': {
        const status = outcome.session?.status;
        if (status === undefined) return notFound();
        if (status === 'requested') return notClaimed(status);
        return ended(status, `This realtime session is ${status} and takes no signals.`);
      }
    }
  }

  /** Tells both sides of a committed status change: its signal, then the session. */
  #announce(change: StatusChange): AgentRealtimeSession {
    if (change.signal) this.#publishSignal(change.signal);
    const session = toSessionResource(change.session);
    this.#deps.bus.publish({ kind: 'session', sessionId: session.id, session });
    return session;
  }

  #publishSignal(row: SignalRow): void {
    this.#deps.bus.publish({
      kind: 'signal',
      sessionId: row.session_id,
      id: row.id,
      seq: row.seq,
      signal: toSignalResource(row),
      idempotencyKey: row.idempotency_key,
    });
  }
}

function streamed(row: SignalRow): StreamedSignal {
  return { seq: row.seq, signal: toSignalResource(row), idempotencyKey: row.idempotency_key };
}
