import {
  ClientSignalFrame,
  isEndedStatus,
  ServerSessionFrame,
  type AgentRealtimeSession,
  type CreateRealtimeSignalBody,
  type RealtimeSignal,
} from '@agentmc/contract';
import { Emitter } from './emitter.js';
import { RealtimeClosedError, RealtimeServerError, RealtimeSignalError } from './errors.js';
import { Outbox, type OutgoingFrame } from './outbox.js';
import { SignalCursor } from './signal-cursor.js';
import {
  Link,
  type ConnectionEnd,
  type ConnectionState,
  type LinkOptions,
  type Reconnecting,
} from './link.js';

/** The `ready` frame: who this socket speaks for, the session, where the stream stands. */
export type SessionReady = Extract<ServerSessionFrame, { type: 'ready' }>;

/** Why a connection ended, with the session as last seen. */
export interface RealtimeConnectionEnd extends ConnectionEnd {
  readonly session: AgentRealtimeSession | undefined;
}

/** The events of a {@link RealtimeConnection}, and what each listener gets. */
export type RealtimeConnectionEvents = {
  /** The server said `ready`: on the first connection and after every reconnect. */
  ready: SessionReady;
  /** A signal of the session, each exactly once, in `seq` order (the sender's own included). */
  signal: RealtimeSignal;
  /** The session when first seen, and after every status change. */
  session: AgentRealtimeSession;
  /** The socket dropped; a new one is tried after `delayMs`. */
  reconnecting: Reconnecting;
  /** A frame the contract does not describe, or an error the server sent on the socket. */
  error: Error;
  /** The connection ended for good; nothing follows. */
  close: RealtimeConnectionEnd;
};

export interface RealtimeConnectionOptions extends LinkOptions {
  /**
   * Deliver the signals after this signal id; 0 (the default) starts from the session's first
   * signal, so nothing sent before the connection opened is missed.
   */
  readonly afterId?: number | undefined;
}

/** What {@link RealtimeConnection.send} takes: the body of a signal. */
export type OutgoingSignal = CreateRealtimeSignalBody;
/**
 * One side's websocket on one realtime session, kept open across drops.
 *
 * - Every frame is checked against the contract; one that does not match is an `error` event,
 *   never a crash.
 * - Signals arrive once each, in `seq` order: on every (re)connect it sends `resume` after the
 *   last signal it delivered, and drops what it already delivered or what comes before its turn.
 * - It pings at the interval the server asks for, and takes a silent socket for dead.
 * - After a drop it waits (backoff with jitter), gets a fresh ticket from `refresh`, reconnects
 *   and resumes. It stops when the session ends, when `close()` is called, or when the API
 *   refuses a ticket for good (401, 403, 404, 409).
 * - `send` gives each signal an idempotency key and repeats it after a reconnect until the
 *   server confirms it, so a signal is written once however often it is sent.
 *
 * Closing the connection does not close the session: that is the `close…Session` operation.
 *
 * @example
 * const connection = connectRealtime({
 *   socket: claimed.socket,
 *   refresh: agentSessionTickets(api, claimed.id),
 * });
 * connection.on('session', (session) => console.log('now', session.status));
 * for await (const signal of connection.signals()) {
 *   if (signal.sender === 'browser') await connection.send({ type: 'message', payload: { ok: 1 } });
 * }
 */
export class RealtimeConnection {
  readonly #events = new Emitter<RealtimeConnectionEvents>();
  readonly #link: Link<ServerSessionFrame>;
  readonly #outbox = new Outbox();
  readonly #cursor: SignalCursor;
  readonly closed: Promise<RealtimeConnectionEnd>;
  #session: AgentRealtimeSession | undefined;

  constructor(options: RealtimeConnectionOptions) {
    this.#cursor = new SignalCursor(options.afterId ?? 0);
    this.closed = new Promise((resolve) => this.#events.on('close', resolve));
    this.#link = new Link(options, {
      schema: ServerSessionFrame,
      onOpen: () => undefined,
      onFrame: (frame) => this.#onFrame(frame),
      onInvalid: (error) => this.#events.emit('error', error),
      onReconnecting: (info) => this.#events.emit('reconnecting', info),
      onEnd: (end) => this.#onEnd(end),
    });
    this.#link.start();
  }

  get state(): ConnectionState {
    return this.#link.state;
  }

  /** The session as last seen; undefined before the first `ready`. */
  get session(): AgentRealtimeSession | undefined {
    return this.#session;
  }

  /** The id of the last signal delivered (or `afterId`): where the next resume starts. */
  get lastSignalId(): number {
    return this.#cursor.lastId;
  }

  /** Listens to an event; returns a function that stops listening. */
  on<K extends keyof RealtimeConnectionEvents>(
    event: K,
    listener: (value: RealtimeConnectionEvents[K]) => void,
  ): () => void {
    return this.#events.on(event, listener);
  }

  /**
   * The next `event` that matches; rejects with {@link RealtimeClosedError} if the connection
   * ends first, or with the signal's reason when `signal` aborts.
   *
   * @example
   * await connection.next('session', { match: (s) => s.status === 'active' });
   */
  next<K extends Exclude<keyof RealtimeConnectionEvents, 'close'>>(
    event: K,
    options: {
      match?: (value: RealtimeConnectionEvents[K]) => boolean;
      signal?: AbortSignal;
    } = {},
  ): Promise<RealtimeConnectionEvents[K]> {
    if (this.state === 'closed') {
      return Promise.reject(new RealtimeClosedError('The connection has ended.'));
    }
    return this.#events.next(event, {
      ...options,
      end: 'close',
      endError: (end) => closedError(end, `waiting for "${event}"`),
    });
  }

  /** The signals from now on, as an async iterator that finishes when the connection ends. */
  signals(): AsyncIterableIterator<RealtimeSignal> {
    return this.#events.iterate('signal', 'close', this.state === 'closed');
  }

  /** The session's status changes from now on, until the connection ends. */
  sessions(): AsyncIterableIterator<AgentRealtimeSession> {
    return this.#events.iterate('session', 'close', this.state === 'closed');
  }

  /**
   * Sends a signal and resolves with it as written, once the server has echoed it back. It gets
   * an idempotency key unless it has one; while the socket is down it waits, and it is sent
   * again after each reconnect until confirmed, never written twice. A key this connection has
   * seen confirmed answers at once; a key written before the point this connection started
   * from (`afterId`) is never echoed again, so do not reuse one across connections that skip it. Rejects with
   * {@link RealtimeSignalError} when the server refuses it (an ended session, a bad body), or
   * {@link RealtimeClosedError} when the connection ends first.
   *
   * @example
   * const sent = await connection.send({ type: 'message', payload: { text: 'hi' } });
   * console.log(sent.seq);
   */
  send(signal: OutgoingSignal, options: { signal?: AbortSignal } = {}): Promise<RealtimeSignal> {
    const key = signal.idempotency_key ?? `c-${globalThis.crypto.randomUUID()}`;
    const frame: OutgoingFrame = { type: 'signal', signal: { ...signal, idempotency_key: key } };
    const checked = ClientSignalFrame.safeParse(frame);
    if (!checked.success) {
      const fields = checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
      return Promise.reject(
        new RealtimeSignalError(
          { code: 'validation.failed', message: fields.join('; '), details: { fields } },
          key,
        ),
      );
    }
    if (this.state === 'closed') {
      return Promise.reject(closedError({ reason: 'closed', session: this.#session }, 'sending'));
    }
    const { fresh, settled } = this.#outbox.add(frame, options.signal);
    // Not open yet: the frame goes out with the others after the next `ready`.
    if (fresh && this.state === 'open') this.#link.send(frame);
    return settled;
  }

  /** Closes the socket for good (code 1000). The session itself stays as it is. */
  async close(): Promise<RealtimeConnectionEnd> {
    await this.#link.end({ reason: 'closed' });
    return this.closed;
  }

  #onFrame(frame: ServerSessionFrame): void {
    switch (frame.type) {
      case 'ready':
        this.#onReady(frame);
        return;
      case 'signal':
        this.#onSignal(frame.signal, frame.idempotency_key);
        return;
      case 'session':
        this.#onSession(frame.session);
        return;
      case 'error': {
        const key = frame.idempotency_key;
        const refused = key && this.#outbox.refuse(key, new RealtimeSignalError(frame.error, key));
        if (!refused) this.#events.emit('error', new RealtimeServerError(frame.error));
        return;
      }
      case 'pong':
        return;
    }
  }

  #onReady(ready: SessionReady): void {
    this.#cursor.opened(ready);
    // Resume first: the server then streams every signal after the last one delivered, and the
    // repeated sends below are answered (written, or recognised by their key) after it.
    this.#link.send({ type: 'resume', after_id: this.#cursor.lastId });
    for (const frame of this.#outbox.frames()) this.#link.send(frame);
    this.#link.ready(ready.heartbeat_interval_seconds);
    this.#events.emit('ready', ready);
    this.#onSession(ready.session);
  }

  #onSignal(signal: RealtimeSignal, key: string | undefined): void {
    // The sender's own signal confirms its send, wherever in the stream it shows up.
    if (key !== undefined) this.#outbox.confirm(key, signal);
    if (this.#cursor.accept(signal)) this.#events.emit('signal', signal);
  }

  #onSession(session: AgentRealtimeSession): void {
    const previous = this.#session;
    this.#session = session;
    if (previous?.status !== session.status) this.#events.emit('session', session);
    if (isEndedStatus(session.status)) void this.#link.end({ reason: 'ended' });
  }

  #onEnd(end: ConnectionEnd): void {
    const final: RealtimeConnectionEnd = { ...end, session: this.#session };
    this.#outbox.failAll(closedError(final, 'sending'));
    this.#events.emit('close', final);
  }
}

function closedError(end: RealtimeConnectionEnd, doing: string): RealtimeClosedError {
  const why =
    end.reason === 'ended'
      ? `the session is ${end.session?.status ?? 'over'}`
      : end.reason === 'closed'
        ? 'it was closed'
        : end.reason === 'refused'
          ? `the API refused a ticket${end.error ? ` (${end.error.message})` : ''}`
          : 'the socket was lost';
  return new RealtimeClosedError(`The connection ended while ${doing}: ${why}.`, {
    ...(end.session ? { session: end.session } : {}),
    cause: end.error,
  });
}
