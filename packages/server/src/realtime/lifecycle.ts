import {
  SESSION_REASONS,
  SESSION_STATUS_SIGNAL_TYPE,
  isEndedStatus,
  type CloseStatus,
  type SessionStatus,
  type SessionStatusSignalPayload,
} from '@agentmc/contract';
import type { RealtimeConfig } from '../config.js';
import type { Clock } from '../domain/clock.js';
import { toSessionResource, toSignalResource } from '../http/serialize.js';
import type { Logger } from '../logger.js';
import type { SessionRow, SignalRow } from '../store/schema.js';
import type { AppendSignalOutcome, Store } from '../store/store.js';
import type { RealtimeBus } from './bus.js';

/** The statuses in which each side may still send. */
const OPEN_FOR: Record<'agent' | 'browser', readonly SessionStatus[]> = {
  agent: ['claimed', 'active'],
  browser: ['requested', 'claimed', 'active'],
};

export type CloseOutcome =
  | { readonly kind: 'closed'; readonly session: SessionRow }
  /** It had already ended: nothing changed, here it is as it is. */
  | { readonly kind: 'ended'; readonly session: SessionRow }
  /** An agent tried to close a session it never claimed. */
  | { readonly kind: 'not_claimed'; readonly session: SessionRow }
  | { readonly kind: 'not_found' };

export interface LifecycleDeps {
  readonly store: Store;
  readonly bus: RealtimeBus;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly config: Pick<RealtimeConfig, 'connectTimeoutSeconds' | 'heartbeatTimeoutSeconds'>;
}

/**
 * Every change of a session after its request, and its announcement. A change is decided by one
 * conditional UPDATE in the store; whoever's UPDATE won then writes the `session.status` system
 * signal and publishes the signal and the session, so both sides hear of it exactly once.
 */
export class SessionLifecycle {
  readonly #deps: LifecycleDeps;

  constructor(deps: LifecycleDeps) {
    this.#deps = deps;
  }

  /** A session was requested: wake the agent's watch sockets. */
  requested(row: SessionRow): void {
    this.#deps.bus.publish({
      kind: 'requested',
      sessionId: row.id,
      agentId: row.agent_id,
      session: toSessionResource(row),
    });
  }

  /** Tells both sides that a session changed status, with a system signal first. */
  async announce(row: SessionRow, reason: string): Promise<void> {
    const { store, bus, clock, logger } = this.#deps;
    const payload: SessionStatusSignalPayload = { status: row.status, reason };
    try {
      const outcome = await store.appendSignal({
        sessionId: row.id,
        sender: 'system',
        type: SESSION_STATUS_SIGNAL_TYPE,
        payload,
        // A session reaches each status at most once; the key keeps it to one signal each.
        idempotencyKey: `status:${row.status}`,
        now: clock(),
        openStatuses: null,
      });
      if (outcome.kind === 'created') this.#publishSignal(outcome.signal);
    } catch (error) {
      // The change itself stands; only its signal is missing. The session frame still goes out.
      logger.error({ err: error, session_id: row.id }, 'could not write the status signal');
    }
    bus.publish({ kind: 'session', sessionId: row.id, session: toSessionResource(row) });
  }

  /** One side sends a signal; a new one is published to every socket of the session. */
  async send(input: {
    sessionId: number;
    sender: 'agent' | 'browser';
    type: string;
    payload: unknown;
    idempotencyKey: string | null;
  }): Promise<AppendSignalOutcome> {
    const outcome = await this.#deps.store.appendSignal({
      ...input,
      now: this.#deps.clock(),
      openStatuses: OPEN_FOR[input.sender],
    });
    if (outcome.kind === 'created') this.#publishSignal(outcome.signal);
    return outcome;
  }

  /**
   * The claiming agent connected: `claimed` → `active` the first time; afterwards a heartbeat.
   * Returns the session as it is now.
   */
  async agentConnected(sessionId: number, agentId: number): Promise<void> {
    const { store, clock } = this.#deps;
    const now = clock();
    const opened = await store.transitionSession({
      sessionId,
      agentId,
      from: ['claimed'],
      to: 'active',
      now,
    });
    if (opened) await this.announce(opened, SESSION_REASONS.agentConnected);
    else await store.recordHeartbeat({ sessionId, side: 'agent', now });
  }

  heartbeat(sessionId: number, side: 'agent' | 'browser'): Promise<void> {
    return this.#deps.store.recordHeartbeat({ sessionId, side, now: this.#deps.clock() });
  }

  /** A deliberate close by one side. Closing an ended session changes nothing. */
  async close(input: {
    sessionId: number;
    by: 'agent' | 'browser';
    agentId?: number;
    status?: CloseStatus | undefined;
    reason?: string | undefined;
  }): Promise<CloseOutcome> {
    const { store, clock } = this.#deps;
    const reason =
      input.reason ??
      (input.by === 'agent' ? SESSION_REASONS.closedByAgent : SESSION_REASONS.closedByUser);
    // The status may move under us (claimed → active) between the UPDATE and the read; then the
    // UPDATE is simply tried again. Ended is final, so this converges at once.
    for (let attempt = 0; attempt < 5; attempt++) {
      const closed = await store.transitionSession({
        sessionId: input.sessionId,
        from: OPEN_FOR[input.by],
        to: input.status ?? 'closed',
        now: clock(),
        reason,
        ...(input.agentId !== undefined ? { agentId: input.agentId } : {}),
      });
      if (closed) {
        await this.announce(closed, reason);
        return { kind: 'closed', session: closed };
      }
      const current = await store.findSession(input.sessionId);
      if (!current) return { kind: 'not_found' };
      if (isEndedStatus(current.status)) return { kind: 'ended', session: current };
      if (!OPEN_FOR[input.by].includes(current.status)) {
        return { kind: 'not_claimed', session: current };
      }
    }
    throw new Error(`Could not close session ${input.sessionId}: its status kept changing`);
  }

  /** One sweep: ends every abandoned session and announces each. Returns how many ended. */
  async sweep(): Promise<number> {
    const { store, clock, config } = this.#deps;
    const now = clock();
    const swept = await store.sweepSessions({
      now,
      connectDeadline: now - config.connectTimeoutSeconds,
      heartbeatDeadline: now - config.heartbeatTimeoutSeconds,
    });
    const ended: [SessionRow, string][] = [
      ...swept.expired.map((row): [SessionRow, string] => [row, SESSION_REASONS.requestExpired]),
      ...swept.neverConnected.map((row): [SessionRow, string] => [
        row,
        SESSION_REASONS.agentNeverConnected,
      ]),
      ...swept.heartbeatLost.map((row): [SessionRow, string] => [
        row,
        SESSION_REASONS.agentHeartbeatTimeout,
      ]),
    ];
    for (const [row, reason] of ended) await this.announce(row, reason);
    return ended.length;
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
