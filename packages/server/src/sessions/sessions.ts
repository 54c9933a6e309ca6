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
  invalid,
  notClaimable,
  notClaimed,
  notFound,
  ok,
  type Ended,
  type Expired,
  type Forbidden,
  type Invalid,
  type NotClaimable,
  type NotClaimed,
  type NotFound,
  type RateLimited,
  type Result,
  type Unauthenticated,
} from '../errors/failures.js';
import { formatTimestamp } from '../lib/clock.js';
import { accessFailure } from './access.js';
import type { Actor, AgentActor, PersonActor, Requester } from './actor.js';
import { sideOf } from './actor.js';
import {
  OPEN_FOR,
  announce,
  appendSignal,
  findFor,
  requestedFor,
  type Sent,
  type SessionsContext,
  type SessionsDeps,
  type SignalDraft,
} from './core.js';
import { People } from './people.js';
import { Presence } from './presence.js';
import { Principals } from './principals.js';
import { type SessionList, toSessionResource, toSignalResource } from './resources.js';
import { SocketSessions } from './socket-sessions.js';
import {
  removeUser,
  revokeKey,
  setAgentDisabled,
  standingOf,
  type Credential,
  type Standing,
} from './standing.js';
import { TicketSigner, type TicketClaims } from './tickets.js';

/** A page of a session's signals, with the session as it is. */
export interface SignalsPage {
  readonly data: RealtimeSignal[];
  readonly session: AgentRealtimeSession;
}

/** A page of the person's sessions. */
export interface SessionPage {
  readonly data: AgentRealtimeSession[];
  readonly next_cursor: string | null;
}

/** A page's cursor: where its last session stands in the newest-first order, opaque to clients. */
function encodeCursor(row: { created_at: number; id: number }): string {
  return Buffer.from(`${row.created_at}:${row.id}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: number; id: number } | null {
  const match = /^(\d{1,15}):(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match || encodeCursor({ created_at: Number(match[1]), id: Number(match[2]) }) !== cursor) {
    return null;
  }
  return { createdAt: Number(match[1]), id: Number(match[2]) };
}

/** How a side closes: as `closed` (default) or `failed`, and why. */
export interface CloseInput {
  readonly status?: CloseStatus | undefined;
  readonly reason?: string | undefined;
}

export type { SessionsConfig, SessionsDeps, SessionsObserver, SignalDraft } from './core.js';

/**
 * The rules of realtime sessions, once, for every transport: request, claim, send, close,
 * connect, heartbeat and sweep; who may act on a session; and the announcement of every change.
 * HTTP routes and the admin CLI call this, websocket handlers its {@link Sessions.sockets}
 * face; they only translate the results.
 *
 * Every status change is decided by one conditional UPDATE that commits together with its
 * `session.status` signal; the change is published on the bus after the commit, so both sides
 * hear of it (and a side that missed it finds it in the signals).
 *
 * @example
 * const sessions = new Sessions({ store, bus, clock, logger, config, budgets });
 * const claimed = await sessions.claim({ kind: 'agent', agentId: 7, teamId: 1 }, 42, null);
 * if (claimed.ok) console.log(claimed.value.status); // 'claimed'
 * else console.log(claimed.code); // e.g. 'realtime_session.not_claimable'
 */
export class Sessions {
  /** The same rules as the websocket transport needs them: admission, connect, stream. */
  readonly sockets: SocketSessions;
  /** Browser tokens and the team's agents with their presence. */
  readonly people: People;
  /** Who each API key belongs to; remembered for the routes that check the key again. */
  readonly principals: Principals;
  readonly #deps: SessionsContext;

  constructor(deps: SessionsDeps) {
    this.#deps = {
      ...deps,
      tickets: new TicketSigner({
        secret: deps.config.ticketSecret,
        ttlSeconds: deps.config.ticketTtlSeconds,
      }),
    };
    const presence = new Presence({
      bus: deps.bus,
      clock: deps.clock,
      identity: deps.store.identity,
      logger: deps.logger,
      intervalSeconds: deps.config.presenceIntervalSeconds,
    });
    this.sockets = new SocketSessions(this.#deps, presence);
    this.people = new People(this.#deps, presence);
    this.principals = new Principals({ identity: deps.store.identity });
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

  /**
   * The agent's requested, unexpired sessions, newest first. With the key the agent came
   * through, the list's own statement checks that the key is live and the agent enabled (the
   * caller may have taken the key from memory, see {@link Principals}); an empty page is then
   * told apart from a refused key by asking the store.
   */
  async listRequested(
    agent: AgentActor,
    limit: number,
    credential?: Credential,
  ): Promise<Result<SessionList, Unauthenticated | Forbidden>> {
    const page = await requestedFor(this.#deps, agent, limit, credential?.keyId);
    if (page.length === 0 && credential) {
      const refused = await this.#refused(agent, credential);
      if (refused) return refused;
    }
    return ok(page);
  }

  /**
   * The claim: exactly one of any number of concurrent claimers wins. A claimer repeating a claim
   * it won with the same key gets the session again; an expired request is marked expired.
   */
  async claim(
    agent: AgentActor,
    sessionId: number,
    claimKey: string | null,
    credential?: Credential,
  ): Promise<
    Result<AgentRealtimeSession, NotFound | Forbidden | NotClaimable | Expired | Unauthenticated>
  > {
    const { store, clock } = this.#deps;
    const now = clock();
    const outcome = await store.sessions.claim({
      sessionId,
      teamId: agent.teamId,
      agentId: agent.agentId,
      now,
      claimKey,
      reason: SESSION_REASONS.claimed,
      keyId: credential?.keyId,
    });
    if (outcome.kind === 'claimed') {
      const { created_at, claimed_at } = outcome.change.session;
      this.#deps.observer?.claimWon((claimed_at ?? now) - created_at);
      return ok(announce(this.#deps, outcome.change));
    }

    // The claim lost; say why. Nothing below changes who holds the session.
    if (credential) {
      const refused = await this.#refused(agent, credential);
      if (refused) return refused;
    }
    const current = outcome.session;
    const denied = accessFailure(agent, current);
    if (denied) return denied;
    const row = current!;
    const lost = <F>(failure: F): F => {
      this.#deps.observer?.claimLost();
      return failure;
    };
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
        announce(this.#deps, expiry);
        return lost(expired(expiry.session));
      }
      const after = (await store.sessions.find(sessionId)) ?? row;
      return lost(after.status === 'expired' ? expired(after) : notClaimable(after));
    }
    if (row.status === 'expired') return lost(expired(row));
    const replay =
      claimKey !== null &&
      row.claim_key === claimKey &&
      (row.status === 'claimed' || row.status === 'active');
    return replay ? ok(toSessionResource(row)) : lost(notClaimable(row));
  }

  // ---- reading ----

  /**
   * A page of the person's own sessions, newest first, and the cursor of the next page (null on
   * the last). A cursor that is not one this server gave is a 422.
   */
  async listForPerson(
    person: PersonActor,
    query: { status?: SessionStatus | undefined; limit: number; cursor?: string | undefined },
  ): Promise<Result<SessionPage, Invalid>> {
    const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (before === null)
      return invalid({ cursor: ['Must be a next_cursor from a previous page.'] });
    // One more than asked says whether there is a next page.
    const rows = await this.#deps.store.sessions.listForUser({
      userId: person.personId,
      status: query.status,
      limit: query.limit + 1,
      before,
    });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return ok({
      data: page.map(toSessionResource),
      next_cursor: rows.length > query.limit && last ? encodeCursor(last) : null,
    });
  }

  /** One session the actor may see. */
  async get(
    actor: Actor,
    sessionId: number,
  ): Promise<Result<AgentRealtimeSession, NotFound | Forbidden>> {
    const found = await findFor(this.#deps, actor, sessionId);
    return found.ok ? ok(toSessionResource(found.value)) : found;
  }

  /** A page of a session's signals after a signal id, in seq order. */
  async signals(
    actor: Actor,
    sessionId: number,
    query: { afterId: number; limit: number },
  ): Promise<Result<SignalsPage, NotFound | Forbidden>> {
    const found = await findFor(this.#deps, actor, sessionId);
    if (!found.ok) return found;
    const rows = await this.#deps.store.signals.list({
      sessionId,
      afterId: query.afterId,
      limit: query.limit,
    });
    return ok({ data: rows.map(toSignalResource), session: toSessionResource(found.value) });
  }

  // ---- talking ----

  /**
   * One side sends a signal: `created` false when its idempotency key was seen before. It comes
   * out of the sender's budget, the same one its sockets' frames use.
   */
  async send(
    actor: Actor,
    sessionId: number,
    draft: SignalDraft,
  ): Promise<Result<Sent, NotFound | Forbidden | NotClaimed | Ended | RateLimited>> {
    const over = this.#deps.budgets.spend(actor);
    if (over) return over;
    const found = await findFor(this.#deps, actor, sessionId);
    if (!found.ok) return found;
    return appendSignal(this.#deps, sideOf(actor), sessionId, draft);
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
    const found = await findFor(this.#deps, actor, sessionId);
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
      if (change) return ok(announce(this.#deps, change));
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
   * it. `origin` is the websocket origin the client is told to use (`ws://host:port`).
   */
  async agentTicket(
    agent: AgentActor,
    credential: Credential,
    sessionId: number,
    origin: string,
  ): Promise<Result<RealtimeTicket, NotFound | Forbidden | NotClaimed | Ended>> {
    const found = await findFor(this.#deps, agent, sessionId);
    if (!found.ok) return found;
    const row = found.value;
    if (row.status === 'requested' || row.claimed_at === null) return notClaimed(row.status);
    if (row.status !== 'claimed' && row.status !== 'active') {
      return ended(row.status, `This realtime session is ${row.status}.`);
    }
    return ok(this.ticket(origin, agent, credential, sessionId));
  }

  /**
   * A ticket for one session's websocket (the caller has the session), or the agent's watch,
   * bound to the key the caller came through: revoking that key refuses the ticket.
   */
  ticket(origin: string, actor: Actor, credential: Credential, sessionId: number): RealtimeTicket;
  ticket(
    origin: string,
    actor: AgentActor,
    credential: Credential,
    sessionId: 'watch',
  ): RealtimeTicket;
  ticket(
    origin: string,
    actor: Actor,
    credential: Credential,
    sessionId: number | 'watch',
  ): RealtimeTicket {
    const { keyId } = credential;
    const claims: TicketClaims =
      sessionId === 'watch' && actor.kind === 'agent'
        ? { kind: 'watch', agentId: actor.agentId, teamId: actor.teamId, keyId }
        : {
            kind: 'session',
            role: sideOf(actor),
            principalId: actor.kind === 'agent' ? actor.agentId : actor.personId,
            teamId: actor.teamId,
            sessionId: sessionId as number,
            keyId,
          };
    const { token, expiresAt } = this.#deps.tickets.issue(claims, this.#deps.clock());
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

  // ---- who may still act ----

  /** Why a key that a statement refused no longer stands, or undefined when it does. */
  async #refused(agent: AgentActor, credential: Credential) {
    const standing = await standingOf(this.#deps, agent, credential);
    if (standing.ok) return undefined;
    this.principals.forget(credential.keyId);
    return standing;
  }

  /** Whether an actor may still act through a key (see {@link standingOf}). */
  standing(actor: Actor, credential: Credential): Promise<Standing> {
    return standingOf(this.#deps, actor, credential);
  }

  /** Revokes a key; every replica closes the sockets opened through it. */
  revokeKey(keyId: number) {
    return revokeKey(this.#deps, keyId);
  }

  /** Disables an agent (every replica closes its sockets), or enables it again. */
  setAgentDisabled(agentId: number, disabled: boolean) {
    return setAgentDisabled(this.#deps, agentId, disabled);
  }

  /** Removes a person (every replica closes the sockets of their keys). */
  removeUser(userId: number) {
    return removeUser(this.#deps, userId);
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
    for (const change of changes) announce(this.#deps, change);
    return changes.length;
  }
}
