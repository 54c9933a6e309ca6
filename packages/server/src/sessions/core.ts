import type { AgentRealtimeSession, RealtimeSignal, SessionStatus } from '@agentmc/contract';
import {
  ended,
  notClaimed,
  notFound,
  ok,
  type Ended,
  type Forbidden,
  type NotClaimed,
  type NotFound,
  type Result,
} from '../errors/failures.js';
import type { RealtimeBus } from '../events/bus.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../logger.js';
import type { SessionRow, SignalRow } from '../store/schema.js';
import type { StatusChange, Store } from '../store/store.js';
import { accessFailure } from './access.js';
import type { Budgets } from './budgets.js';
import type { Actor, Side } from './actor.js';
import { SessionList, toSessionResource, toSignalResource } from './resources.js';
import type { TicketSigner } from './tickets.js';

// What the sessions layer's two faces (`Sessions`, `SocketSessions`) share: the rules for who
// may act on a session and which statuses take signals, and the announcement of every change.

/** The statuses in which each side may still send (and close). */
export const OPEN_FOR: Record<Side, readonly SessionStatus[]> = {
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
  /** How often each replica repeats which agents it holds online. */
  readonly presenceIntervalSeconds: number;
}

/**
 * What the sessions layer reports as it works, for the metrics: it counts nothing itself, and
 * an observer never changes an outcome.
 */
export interface SessionsObserver {
  /** A claim won; `dispatchSeconds` from the request to the claim (the rows' seconds). */
  claimWon(dispatchSeconds: number): void;
  /** A claim refused: someone else holds it, it ended or expired (not an unknown session). */
  claimLost(): void;
  /** A signal was written: a side's message or a status change. */
  signalWritten(sender: string): void;
}

export interface SessionsDeps {
  readonly store: Store;
  readonly bus: RealtimeBus;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly config: SessionsConfig;
  /** What each principal may send, and each address may fail to authenticate, a minute. */
  readonly budgets: Budgets;
  readonly observer?: SessionsObserver | undefined;
}

/** The dependencies with the ticket signer both faces use. */
export interface SessionsContext extends SessionsDeps {
  readonly tickets: TicketSigner;
}

/** A signal to send: what a side wrote. */
export interface SignalDraft {
  readonly type: string;
  readonly payload: unknown;
  readonly idempotencyKey: string | null;
}

/** A sent signal: `created` false when its idempotency key was seen before. */
export interface Sent {
  readonly created: boolean;
  readonly signal: RealtimeSignal;
}

/** The agent's requested, unexpired sessions, newest first. */
export async function requestedFor(
  ctx: SessionsContext,
  agent: { readonly agentId: number },
  limit: number,
  /** When given, none unless this key is live and the agent enabled. */
  keyId?: number,
): Promise<SessionList> {
  const rows = await ctx.store.sessions.listRequested({
    agentId: agent.agentId,
    now: ctx.clock(),
    limit,
    keyId,
  });
  return new SessionList(rows);
}

/** A session the actor may act on (the access rule of `access.ts`), or why not. */
export async function findFor(
  ctx: SessionsContext,
  actor: Actor,
  sessionId: number,
): Promise<Result<SessionRow, NotFound | Forbidden>> {
  const row = await ctx.store.sessions.find(sessionId);
  return accessFailure(actor, row) ?? ok(row!);
}

/** Writes one side's signal if the session is open for it, and publishes a new one. */
export async function appendSignal(
  ctx: SessionsContext,
  side: Side,
  sessionId: number,
  draft: SignalDraft,
): Promise<Result<Sent, NotFound | NotClaimed | Ended>> {
  const outcome = await ctx.store.signals.append({
    sessionId,
    sender: side,
    type: draft.type,
    payload: draft.payload,
    idempotencyKey: draft.idempotencyKey,
    now: ctx.clock(),
    openStatuses: OPEN_FOR[side],
  });
  switch (outcome.kind) {
    case 'created':
      return ok({ created: true, signal: publishSignal(ctx, outcome.signal) });
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
export function announce(ctx: SessionsContext, change: StatusChange): AgentRealtimeSession {
  if (change.signal) publishSignal(ctx, change.signal);
  const session = toSessionResource(change.session);
  ctx.bus.publish({ kind: 'session', sessionId: session.id, session });
  return session;
}

/** Publishes a new signal; returns it as the API shows it, for the sender's answer too. */
function publishSignal(ctx: SessionsContext, row: SignalRow): RealtimeSignal {
  const signal = toSignalResource(row);
  ctx.observer?.signalWritten(row.sender);
  ctx.bus.publish({
    kind: 'signal',
    sessionId: row.session_id,
    id: row.id,
    seq: row.seq,
    signal,
    idempotencyKey: row.idempotency_key,
  });
  return signal;
}
