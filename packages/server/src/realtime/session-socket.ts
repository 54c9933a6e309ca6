import {
  ClientSessionFrame,
  isEndedStatus,
  SOCKET_CLOSE_CODES,
  type AgentRealtimeSession,
  type RealtimeSignal,
  type SessionStatus,
} from '@agentmc/contract';
import type { WebSocket } from 'ws';
import { unavailable } from '../errors/failures.js';
import type { RealtimeEvent } from '../events/bus.js';
import type { Logger } from '../logger.js';
import { sideOf, type Side } from '../sessions/actor.js';
import type { SessionAdmission, SocketSessions } from '../sessions/socket-sessions.js';
import { parseFrame } from './frames.js';
import { Peer } from './peer.js';

/** Signals per catch-up page; the socket waits for each page to be written before the next. */
const PAGE_SIZE = 100;

/** Statuses only move forward: a late or repeated event never moves a socket back. */
const RANK: Record<SessionStatus, number> = {
  requested: 0,
  claimed: 1,
  active: 2,
  closed: 3,
  failed: 3,
  expired: 3,
};

export interface SessionSocketOptions {
  /** Who opened it, on which session. */
  readonly admission: SessionAdmission;
  readonly sessions: SocketSessions;
  readonly logger: Logger;
  readonly heartbeatWriteSeconds: number;
  readonly heartbeatIntervalSeconds: number;
  readonly maxBufferedBytes: number;
}

/**
 * One side's socket on one session. Everything it sends after `ready` goes through one loop,
 * {@link SessionSocket.pump}, that reads the store after the last seq it delivered: so signals
 * leave in seq order, each exactly once, whatever order the bus brought them in, and a `resume`
 * or a missed event is just a different starting point for the same loop. A live signal that is
 * exactly the next seq skips the read.
 *
 * Signals start to flow only once the client has spoken: its first frame, if a `resume`, is where
 * the stream starts; any other frame starts it just after `ready`'s `last_seq`. Streaming from
 * `ready` on would send a signal written before the server reads the client's `resume` ahead of
 * the catch-up, and then again in its turn. A client silent for a whole heartbeat interval gets
 * the stream from `ready` on.
 */
export class SessionSocket {
  readonly sessionId: number;
  /** The side this socket speaks for (`ready.role` on the wire). */
  readonly role: Side;
  readonly peer: Peer;
  readonly #o: SessionSocketOptions;
  #started = false;
  #lastSeq = 0;
  #rank = 0;
  #pumping = false;
  /** The client has spoken (or stayed silent too long): signals may flow. */
  #streaming = false;
  #silenceTimer: NodeJS.Timeout | undefined;
  /** The store may hold signals this socket has not delivered. */
  #dirty = false;
  #pendingResume: number | undefined;
  /** A status change to report: the session, or null to read it. */
  #pendingSession: AgentRealtimeSession | null | undefined;
  #lastHeartbeatAt = Number.NEGATIVE_INFINITY;

  constructor(ws: WebSocket, options: SessionSocketOptions) {
    this.sessionId = options.admission.sessionId;
    this.role = sideOf(options.admission.actor);
    this.#o = options;
    this.peer = new Peer(ws, {
      maxBufferedBytes: options.maxBufferedBytes,
      logger: options.logger,
      onText: (text) => this.#handle(text),
      onTraffic: () => this.#heartbeat(),
      spend: () => options.sessions.spend(options.admission.actor),
    });
    // Frames that arrive while the socket starts wait for `ready`.
    this.peer.enqueue(() => this.#start());
  }

  /** Called by the socket server for every event of this session. */
  onEvent(event: RealtimeEvent): void {
    switch (event.kind) {
      case 'signal': {
        if (event.seq <= this.#lastSeq) return;
        const idle =
          this.#streaming &&
          !this.#pumping &&
          !this.#dirty &&
          this.#pendingResume === undefined &&
          this.#pendingSession === undefined;
        if (idle && event.signal && event.seq === this.#lastSeq + 1) {
          this.#sendSignal(event.signal, event.idempotencyKey ?? null);
          this.#lastSeq = event.seq;
          return;
        }
        this.#dirty = true;
        break;
      }
      case 'session':
        this.#pendingSession = event.session ?? null;
        this.#dirty = true;
        break;
      case 'resync':
        this.#pendingSession = null;
        this.#dirty = true;
        break;
      case 'requested':
        return;
    }
    void this.#pump();
  }

  async #start(): Promise<void> {
    try {
      await this.#open();
    } catch (error) {
      this.#o.logger.warn({ err: error, session_id: this.sessionId }, 'websocket start failed');
      this.peer.sendError(unavailable(1, 'The session could not be opened; retry.'));
      this.peer.close(1011, 'start failed');
    }
  }

  async #open(): Promise<void> {
    const opened = await this.#o.sessions.connect(this.#o.admission);
    this.#lastHeartbeatAt = this.#o.sessions.now();
    if (!opened) {
      this.peer.close(SOCKET_CLOSE_CODES.sessionEnded, 'session gone');
      return;
    }
    const { session, last } = opened;
    this.#lastSeq = last?.seq ?? 0;
    this.#rank = RANK[session.status];
    this.peer.send({
      type: 'ready',
      role: this.role,
      session,
      last_signal_id: last?.id ?? 0,
      last_seq: this.#lastSeq,
      heartbeat_interval_seconds: this.#o.heartbeatIntervalSeconds,
    });
    this.#started = true;
    if (isEndedStatus(session.status)) {
      this.peer.close(SOCKET_CLOSE_CODES.sessionEnded, 'session ended');
      return;
    }
    this.#silenceTimer = setTimeout(
      () => this.peer.enqueue(() => Promise.resolve(this.#startStream())),
      this.#o.heartbeatIntervalSeconds * 1000,
    );
    this.#silenceTimer.unref();
    this.peer.onClose(() => clearTimeout(this.#silenceTimer));
    if (this.#dirty || this.#pendingSession !== undefined) void this.#pump();
  }

  async #handle(text: string): Promise<void> {
    if (!this.#started) return;
    const parsed = parseFrame(ClientSessionFrame, text);
    // The first frame starts the stream; a `resume` says where, below.
    if (!(parsed.ok && parsed.frame.type === 'resume')) this.#startStream();
    if (!parsed.ok) {
      this.peer.sendError(parsed.failure, parsed.idempotencyKey);
      return;
    }
    const frame = parsed.frame;
    switch (frame.type) {
      case 'ping':
        this.peer.send({
          type: 'pong',
          ...(frame.nonce !== undefined ? { nonce: frame.nonce } : {}),
        });
        return;
      case 'resume':
        this.#streaming = true;
        clearTimeout(this.#silenceTimer);
        this.#pendingResume = frame.after_id;
        void this.#pump();
        return;
      case 'signal': {
        const { type, payload, idempotency_key } = frame.signal;
        const sent = await this.#o.sessions.send(this.#o.admission, {
          type,
          payload,
          idempotencyKey: idempotency_key ?? null,
        });
        // A new or repeated signal reaches this socket through the stream, like any other.
        if (!sent.ok) this.peer.sendError(sent, idempotency_key);
        return;
      }
    }
  }

  /** Lets signals flow from where the socket stands (`ready`'s last seq, unless resumed). */
  #startStream(): void {
    if (this.#streaming) return;
    this.#streaming = true;
    clearTimeout(this.#silenceTimer);
    this.#dirty = true;
    void this.#pump();
  }

  /** The one loop that sends signals and status changes, in order. */
  async #pump(): Promise<void> {
    if (this.#pumping || !this.#started) return;
    this.#pumping = true;
    const { sessions } = this.#o;
    const { sessionId } = this;
    try {
      while (this.peer.open) {
        if (this.#pendingResume !== undefined) {
          const afterId = this.#pendingResume;
          this.#pendingResume = undefined;
          const seq = await sessions.seqThrough(sessionId, afterId);
          if (this.#pendingResume !== undefined) continue;
          this.#lastSeq = seq;
          this.#dirty = true;
        }
        if (this.#dirty && this.#streaming) {
          this.#dirty = false;
          const rows = await sessions.stream(sessionId, this.#lastSeq, PAGE_SIZE);
          // A newer resume replaces this page's starting point.
          if (this.#pendingResume !== undefined) continue;
          for (const [index, row] of rows.entries()) {
            const frame = this.#signalFrame(row.signal, row.idempotencyKey);
            const sent =
              index === rows.length - 1 && rows.length === PAGE_SIZE
                ? await this.peer.sendAndWait(frame)
                : this.peer.send(frame);
            if (!sent) return;
            this.#lastSeq = row.seq;
          }
          if (rows.length === PAGE_SIZE) this.#dirty = true;
          continue;
        }
        if (this.#pendingSession !== undefined) {
          const pending = this.#pendingSession;
          this.#pendingSession = undefined;
          const session = pending ?? (await sessions.current(sessionId));
          if (session && isEndedStatus(session.status) && !this.#streaming) {
            // It ended before the client said where to start: what it has not seen since
            // `ready` goes first, then the end.
            this.#streaming = true;
            this.#dirty = true;
            this.#pendingSession = session;
            continue;
          }
          if (session && RANK[session.status] > this.#rank) {
            this.#rank = RANK[session.status];
            this.peer.send({ type: 'session', session });
            if (isEndedStatus(session.status)) {
              this.peer.close(SOCKET_CLOSE_CODES.sessionEnded, 'session ended');
            }
          }
          continue;
        }
        return;
      }
    } catch (error) {
      this.#o.logger.warn({ err: error, session_id: sessionId }, 'websocket delivery failed');
      // The client resumes from its last signal on a new socket; nothing is lost.
      this.peer.sendError(unavailable(1, 'Delivery failed; reconnect and resume.'));
      this.peer.close(1011, 'delivery failed');
    } finally {
      this.#pumping = false;
    }
  }

  #sendSignal(signal: RealtimeSignal, idempotencyKey: string | null): void {
    this.peer.send(this.#signalFrame(signal, idempotencyKey));
  }

  #signalFrame(signal: RealtimeSignal, idempotencyKey: string | null) {
    // The sender's own key goes back to the sender's side only: that is how it recognises
    // its own signals in the stream.
    const own = idempotencyKey !== null && signal.sender === this.role;
    return { type: 'signal', signal, ...(own ? { idempotency_key: idempotencyKey } : {}) };
  }

  /** Any traffic is a heartbeat; the store hears of it at most once per interval. */
  #heartbeat(): void {
    const now = this.#o.sessions.now();
    if (now - this.#lastHeartbeatAt < this.#o.heartbeatWriteSeconds) return;
    this.#lastHeartbeatAt = now;
    this.#o.sessions
      .heartbeat(this.#o.admission)
      .catch((error: unknown) =>
        this.#o.logger.warn({ err: error, session_id: this.sessionId }, 'heartbeat write failed'),
      );
  }
}
