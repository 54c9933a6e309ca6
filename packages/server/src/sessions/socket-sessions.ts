import { SESSION_REASONS, type AgentRealtimeSession, type RealtimeSignal } from '@agentmc/contract';
import {
  forbidden,
  notClaimed,
  ok,
  unauthenticated,
  type Ended,
  type Forbidden,
  type NotClaimed,
  type NotFound,
  type RateLimited,
  type Result,
  type Unauthenticated,
} from '../errors/failures.js';
import type { SignalRow } from '../store/schema.js';
import { sideOf, type Actor, type AgentActor } from './actor.js';
import {
  announce,
  appendSignal,
  findFor,
  requestedFor,
  type Sent,
  type SessionsContext,
  type SignalDraft,
} from './core.js';
import type { Presence } from './presence.js';
import { toSessionResource, toSignalResource } from './resources.js';
import { standingOf, type Credential, type Standing } from './standing.js';

/** A websocket the ticket and the store agree may open, and the key its ticket came through. */
export type Admission =
  | {
      readonly kind: 'session';
      readonly actor: Actor;
      readonly credential: Credential;
      readonly sessionId: number;
    }
  | { readonly kind: 'watch'; readonly actor: AgentActor; readonly credential: Credential };

/** An admitted session socket. */
export type SessionAdmission = Extract<Admission, { kind: 'session' }>;

/** The socket a websocket path names. */
export type SocketTarget = { kind: 'session'; sessionId: number } | { kind: 'watch' };

/** A signal as a socket delivers it: the resource, and the key its sender gave it. */
export interface StreamedSignal {
  readonly seq: number;
  readonly signal: RealtimeSignal;
  readonly idempotencyKey: string | null;
}

/**
 * The sessions layer as the websocket transport sees it: who may open which socket, what opening
 * one does to its session, the signals a socket sends and the reads that feed its stream. The
 * rules are those of {@link Sessions}, from the same shared functions.
 */
export class SocketSessions {
  /** Which agents are online: their watch sockets open and close here. */
  readonly presence: Presence;
  readonly #deps: SessionsContext;

  constructor(deps: SessionsContext, presence: Presence) {
    this.#deps = deps;
    this.presence = presence;
  }

  /** The sessions layer's clock, in epoch seconds (tests move it). */
  now(): number {
    return this.#deps.clock();
  }

  /**
   * Whether a websocket may open, with the same answers as HTTP: 401 for a missing, forged or
   * expired ticket, or one whose key was revoked since; 403 for a ticket for another socket, or
   * a disabled agent; 404 for what the principal cannot see; 409 for an agent whose session is
   * not claimed.
   */
  async admit(
    target: SocketTarget,
    token: string | null,
  ): Promise<Result<Admission, Unauthenticated | Forbidden | NotFound | NotClaimed>> {
    const { clock } = this.#deps;
    if (!token) return unauthenticated('A websocket ticket is required (?ticket=).');
    const claims = this.#deps.tickets.verify(token, clock());
    if (claims === 'expired') return unauthenticated('This websocket ticket has expired.');
    if (typeof claims === 'string') return unauthenticated('Invalid websocket ticket.');

    const credential = { keyId: claims.keyId };

    if (target.kind === 'watch') {
      if (claims.kind !== 'watch') return forbidden('This ticket is not for a watch socket.');
      const actor: AgentActor = { kind: 'agent', agentId: claims.agentId, teamId: claims.teamId };
      const standing = await this.standing(actor, credential);
      return standing.ok ? ok({ kind: 'watch', actor, credential }) : standing;
    }

    if (claims.kind !== 'session' || claims.sessionId !== target.sessionId) {
      return forbidden('This ticket is for another socket.');
    }
    const actor: Actor =
      claims.role === 'agent'
        ? { kind: 'agent', agentId: claims.principalId, teamId: claims.teamId }
        : { kind: 'person', personId: claims.principalId, teamId: claims.teamId };
    const standing = await this.standing(actor, credential);
    if (!standing.ok) return standing;
    const found = await findFor(this.#deps, actor, target.sessionId);
    if (!found.ok) return found;
    if (actor.kind === 'agent') {
      const row = found.value;
      if (row.status === 'requested' || row.claimed_at === null) {
        return notClaimed(row.status, 'Claim this realtime session before connecting to it.');
      }
    }
    return ok({ kind: 'session', actor, credential, sessionId: target.sessionId });
  }

  /** Whether the principal of an open socket may still act through its ticket's key. */
  standing(actor: Actor, credential: Credential): Promise<Standing> {
    return standingOf(this.#deps, actor, credential);
  }

  /**
   * A side's socket opened: the agent's first connection makes the session `active`, any other
   * is a heartbeat. Returns the session as it is now and its newest signal, or undefined when
   * the session is gone.
   */
  async connect(
    admission: SessionAdmission,
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
      if (opened) announce(this.#deps, opened);
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
  heartbeat(admission: SessionAdmission): Promise<void> {
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
  async waitingFor(agent: AgentActor, limit: number): Promise<AgentRealtimeSession[]> {
    return (await requestedFor(this.#deps, agent, limit)).resources();
  }

  /**
   * One frame from an open socket (a signal, a ping, a resume or a refused one) comes out of its
   * principal's budget, the one its other sockets and its HTTP signal posts share: nothing when
   * within it, else the refusal.
   */
  spend(actor: Actor): RateLimited | undefined {
    return this.#deps.budgets.spend(actor);
  }

  /** Whether a client address may open a socket, or has failed to authenticate too often. */
  authBlocked(address: string): RateLimited | undefined {
    return this.#deps.budgets.authBlocked(address);
  }

  /** A socket from `address` was refused as unauthenticated or forbidden (401, 403). */
  authFailed(address: string): void {
    this.#deps.budgets.authFailed(address);
  }

  /**
   * A signal from an open websocket, whose admission already checked the access rule (and whose
   * frame was paid for, with {@link SocketSessions.spend}).
   */
  send(
    admission: SessionAdmission,
    draft: SignalDraft,
  ): Promise<Result<Sent, NotFound | NotClaimed | Ended>> {
    return appendSignal(this.#deps, sideOf(admission.actor), admission.sessionId, draft);
  }
}

function streamed(row: SignalRow): StreamedSignal {
  return { seq: row.seq, signal: toSignalResource(row), idempotencyKey: row.idempotency_key };
}
