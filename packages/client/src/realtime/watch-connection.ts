import { ServerWatchFrame, type AgentRealtimeSession } from '@agentmc/contract';
import { Emitter } from './emitter.js';
import { RealtimeClosedError, RealtimeServerError } from './errors.js';
import {
  Link,
  type ConnectionEnd,
  type ConnectionState,
  type LinkOptions,
  type Reconnecting,
} from './link.js';

/** The watch socket's `ready` frame. */
export type WatchReady = Extract<ServerWatchFrame, { type: 'ready' }>;

/** The events of a {@link WatchConnection}, and what each listener gets. */
export type WatchConnectionEvents = {
  /** The server said `ready`: on the first connection and after every reconnect. */
  ready: WatchReady;
  /**
   * A session waiting for this agent: each new one the moment it is requested, and on every
   * (re)connect those still waiting. A hint to claim it; the claim decides who gets it.
   */
  requested: AgentRealtimeSession;
  reconnecting: Reconnecting;
  error: Error;
  close: ConnectionEnd;
};

/**
 * An agent's watch socket, kept open across drops: the server pushes `session.requested` the
 * moment a session is requested for the agent, so the agent claims at once instead of polling.
 * Pushes may repeat (after a reconnect, those still waiting are pushed again); claiming twice is
 * harmless, the second claim gets 409.
 *
 * @example
 * const watch = connectAgentWatch(api);
 * watch.on('requested', async (session) => {
 *   const claim = await api.operations.claimAgentRealtimeSession({
 *     params: { path: { session: session.id } },
 *     body: {},
 *   });
 *   if (claim.status === 200) console.log('claimed', session.id);
 * });
 * // later
 * await watch.close();
 */
export class WatchConnection {
  readonly #events = new Emitter<WatchConnectionEvents>();
  readonly #link: Link<ServerWatchFrame>;
  readonly closed: Promise<ConnectionEnd>;

  constructor(options: LinkOptions) {
    this.closed = new Promise((resolve) => this.#events.on('close', resolve));
    this.#link = new Link(options, {
      schema: ServerWatchFrame,
      onOpen: () => undefined,
      onFrame: (frame) => this.#onFrame(frame),
      onInvalid: (error) => this.#events.emit('error', error),
      onReconnecting: (info) => this.#events.emit('reconnecting', info),
      onEnd: (end) => this.#events.emit('close', end),
    });
    this.#link.start();
  }

  get state(): ConnectionState {
    return this.#link.state;
  }

  /** Listens to an event; returns a function that stops listening. */
  on<K extends keyof WatchConnectionEvents>(
    event: K,
    listener: (value: WatchConnectionEvents[K]) => void,
  ): () => void {
    return this.#events.on(event, listener);
  }

  /** The next `event` that matches; rejects if the connection ends first. */
  next<K extends Exclude<keyof WatchConnectionEvents, 'close'>>(
    event: K,
    options: { match?: (value: WatchConnectionEvents[K]) => boolean; signal?: AbortSignal } = {},
  ): Promise<WatchConnectionEvents[K]> {
    if (this.state === 'closed') {
      return Promise.reject(new RealtimeClosedError('The watch connection has ended.'));
    }
    return this.#events.next(event, {
      ...options,
      end: 'close',
      endError: (end) =>
        new RealtimeClosedError(`The watch connection ended (${end.reason}).`, {
          cause: end.error,
        }),
    });
  }

  /** The pushed sessions from now on, until the connection ends. */
  requests(): AsyncIterableIterator<AgentRealtimeSession> {
    return this.#events.iterate('requested', 'close', this.state === 'closed');
  }

  /** Closes the watch socket for good. */
  async close(): Promise<ConnectionEnd> {
    await this.#link.end({ reason: 'closed' });
    return this.closed;
  }

  #onFrame(frame: ServerWatchFrame): void {
    switch (frame.type) {
      case 'ready':
        this.#link.ready(frame.heartbeat_interval_seconds);
        this.#events.emit('ready', frame);
        return;
      case 'session.requested':
        this.#events.emit('requested', frame.session);
        return;
      case 'error':
        this.#events.emit('error', new RealtimeServerError(frame.error));
        return;
      case 'pong':
        return;
    }
  }
}
