import { ClientWatchFrame, type AgentRealtimeSession } from '@agentmc/contract';
import type { WebSocket } from 'ws';
import type { RealtimeEvent } from '../events/bus.js';
import type { Logger } from '../logger.js';
import type { AgentActor } from '../sessions/actor.js';
import type { SocketSessions } from '../sessions/socket-sessions.js';
import { parseFrame } from './frames.js';
import { Peer } from './peer.js';

/** Sessions pushed on open, at most: the same page the agent's list would give. */
const BACKLOG_LIMIT = 100;
/** Remembered session ids, so that one session is pushed once per socket. */
const SEEN_LIMIT = 1_000;

export interface WatchSocketOptions {
  readonly agent: AgentActor;
  readonly sessions: SocketSessions;
  readonly logger: Logger;
  readonly heartbeatIntervalSeconds: number;
  readonly maxBufferedBytes: number;
}

/**
 * An agent's watch socket: `session.requested` for every session waiting for it when it opens,
 * then for each new one as {@link WatchDispatch} hands it on (the moment it is requested, or
 * after a grace when another of the agent's watches was told first), so the agent claims from
 * the push and polls only to reconcile. Pushes are hints: the claim decides, and a repeated push
 * is harmless.
 */
export class WatchSocket {
  readonly agentId: number;
  readonly peer: Peer;
  readonly #o: WatchSocketOptions;
  readonly #seen = new Set<number>();
  #started = false;

  constructor(ws: WebSocket, options: WatchSocketOptions) {
    this.agentId = options.agent.agentId;
    this.#o = options;
    this.peer = new Peer(ws, {
      maxBufferedBytes: options.maxBufferedBytes,
      logger: options.logger,
      onText: (text) => this.#handle(text),
      onTraffic: () => undefined,
      spend: () => options.sessions.spend(options.agent),
    });
    this.peer.enqueue(() => this.#start());
  }

  onEvent(event: RealtimeEvent): void {
    if (event.kind === 'resync') {
      if (this.#started) this.peer.enqueue(() => this.#pushBacklog());
      return;
    }
    // Before `ready`, the backlog read that follows it will include the session anyway.
    if (event.kind !== 'requested' || !this.#started) return;
    if (event.session) {
      this.#push(event.session);
      return;
    }
    // The event was too large to carry the session: read it.
    this.peer.enqueue(async () => {
      const session = await this.#o.sessions.current(event.sessionId);
      if (session?.status === 'requested') this.#push(session);
    });
  }

  async #start(): Promise<void> {
    this.peer.send({
      type: 'ready',
      agent_id: this.agentId,
      heartbeat_interval_seconds: this.#o.heartbeatIntervalSeconds,
    });
    this.#started = true;
    await this.#pushBacklog();
  }

  async #pushBacklog(): Promise<void> {
    const waiting = await this.#o.sessions.waitingFor(this.#o.agent, BACKLOG_LIMIT);
    for (const session of waiting) this.#push(session);
  }

  #push(session: AgentRealtimeSession): void {
    if (this.#seen.has(session.id)) return;
    this.#seen.add(session.id);
    if (this.#seen.size > SEEN_LIMIT) {
      const oldest = this.#seen.values().next().value;
      if (oldest !== undefined) this.#seen.delete(oldest);
    }
    this.peer.send({ type: 'session.requested', session });
  }

  /** A watch only answers pings; anything else is refused with the frame's validation error. */
  #handle(text: string): Promise<void> {
    const parsed = parseFrame(ClientWatchFrame, text);
    if (!parsed.ok) {
      this.peer.sendError(parsed.failure);
    } else {
      const { nonce } = parsed.frame;
      this.peer.send({ type: 'pong', ...(nonce !== undefined ? { nonce } : {}) });
    }
    return Promise.resolve();
  }
}
