import type { RealtimeTicket } from '@agentmc/contract';
import type { ZodType, ZodTypeDef } from 'zod';
import { Backoff } from '../backoff.js';
import { isPermanent, RealtimeClosedError, RealtimeProtocolError } from './errors.js';
import {
  abandon,
  defaultWebSocket,
  textOf,
  WEBSOCKET_OPEN,
  type WebSocketConstructor,
  type WebSocketLike,
} from './websocket.js';

/** Gets a fresh websocket ticket; tickets are short-lived, so every reconnect asks for one. */
export type TicketSource = () => Promise<RealtimeTicket>;

/** How a connection that dropped tries again: exponential backoff with jitter. */
export interface ReconnectOptions {
  /** The first wait, in ms (default 250); it doubles per failed attempt. */
  readonly minMs?: number | undefined;
  /** The longest wait between two attempts, in ms (default 15 000). */
  readonly maxMs?: number | undefined;
}

/** What every realtime connection (a session's, or an agent's watch) is opened with. */
export interface LinkOptions {
  /** The ticket to open the first socket with: what the claim, the request or the read gave. */
  readonly socket?: RealtimeTicket | undefined;
  /** A fresh ticket, asked for before every reconnect. Without it, the first ticket is reused. */
  readonly refresh?: TicketSource | undefined;
  /** The WebSocket class to use: a browser's own, say. Default: `ws` on Node.js. */
  readonly WebSocket?: WebSocketConstructor | undefined;
  /** The reconnect backoff; `false` never reconnects (the first lost socket ends it). */
  readonly reconnect?: ReconnectOptions | false | undefined;
  /** The ping interval in ms; by default the one the server's `ready` asks for. */
  readonly heartbeatMs?: number | undefined;
  /** A socket that is not open after this many ms is given up and tried again (default 10 000). */
  readonly connectTimeoutMs?: number | undefined;
  /**
   * Follow the browser's `offline` and `online` events (default: where they exist): drop the
   * socket the moment the network goes, instead of waiting out the heartbeat, and try again at
   * once when it comes back.
   */
  readonly followNetwork?: boolean | undefined;
  /** For tests: the randomness of the backoff's jitter. */
  readonly random?: (() => number) | undefined;
}

/** `open` once the server said `ready`; `closed` for good. */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** Why a connection ended for good. */
export interface ConnectionEnd {
  /**
   * `closed`: `close()` was called. `ended`: the session ended (its final status is in
   * `session`). `refused`: the API will not give a ticket (`error` says why). `lost`: the socket
   * dropped and `reconnect` is `false`.
   */
  readonly reason: 'closed' | 'ended' | 'refused' | 'lost';
  readonly error?: Error | undefined;
}

/** A socket that dropped and the wait before the next attempt. */
export interface Reconnecting {
  /** 1 for the first retry after a good connection, then 2, 3, … */
  readonly attempt: number;
  readonly delayMs: number;
  /** The websocket close code, or 0 when there was no socket (the ticket could not be had). */
  readonly code: number;
  readonly reason: string;
  readonly error?: Error | undefined;
}

export interface LinkHooks<Frame> {
  readonly schema: ZodType<Frame, ZodTypeDef, unknown>;
  /** The socket opened; `ready` is still to come. */
  onOpen(): void;
  onFrame(frame: Frame): void;
  onInvalid(error: RealtimeProtocolError): void;
  onReconnecting(info: Reconnecting): void;
  onEnd(end: ConnectionEnd): void;
}

/** A socket silent for this many heartbeat intervals is taken for dead. */
const SILENCE_INTERVALS = 2.5;
/** How long a deliberate close waits for the server's goodbye before cutting the socket. */
const CLOSE_GRACE_MS = 2_000;

/**
 * One realtime socket that keeps itself open: it gets a ticket, opens the socket, checks every
 * frame against the contract, pings while open, and after a drop waits (backoff with jitter)
 * and opens a new one with a fresh ticket. What the frames mean is its owner's business: a
 * session's connection, or an agent's watch.
 */
export class Link<Frame> {
  readonly #options: LinkOptions;
  readonly #hooks: LinkHooks<Frame>;
  readonly #backoff: Backoff | undefined;
  #state: ConnectionState = 'connecting';
  #ws: WebSocketLike | undefined;
  #usedInitialTicket = false;
  #attempt = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #connectTimer: ReturnType<typeof setTimeout> | undefined;
  #heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  #lastInbound = 0;
  #nonce = 0;
  #socketGone: (() => void) | undefined;
  #unfollowNetwork: (() => void) | undefined;

  constructor(options: LinkOptions, hooks: LinkHooks<Frame>) {
    if (!options.socket && !options.refresh) {
      throw new TypeError('A realtime connection needs a `socket` ticket, a `refresh`, or both.');
    }
    this.#options = options;
    this.#hooks = hooks;
    const reconnect = options.reconnect;
    this.#backoff =
      reconnect === false
        ? undefined
        : new Backoff(reconnect?.minMs ?? 250, reconnect?.maxMs ?? 15_000, options.random);
  }

  get state(): ConnectionState {
    return this.#state;
  }

  start(): void {
    if (this.#options.followNetwork !== false) this.#unfollowNetwork = followNetwork(this);
    void this.#connect();
  }

  /** The network went away (the browser says so): the socket cannot be trusted any more. */
  offline(): void {
    this.drop('the network went offline');
  }

  /** The network is back: a reconnect waiting out its backoff goes now. */
  online(): void {
    if (this.#state !== 'reconnecting' || this.#retryTimer === undefined) return;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    void this.#connect();
  }

  /** A method, not a field read: TypeScript would keep its narrowing across an await. */
  #isEnded(): boolean {
    return this.#state === 'closed';
  }

  /** Sends one frame; false when no socket is open (the frame is not queued). */
  send(frame: object): boolean {
    const ws = this.#ws;
    if (!ws || ws.readyState !== WEBSOCKET_OPEN) return false;
    try {
      ws.send(JSON.stringify(frame));
      return true;
    } catch {
      return false;
    }
  }

  /** The server said `ready`: the connection is good again, and pings start. */
  ready(heartbeatIntervalSeconds: number): void {
    if (this.#state === 'closed') return;
    this.#state = 'open';
    this.#attempt = 0;
    this.#backoff?.reset();
    clearInterval(this.#heartbeatTimer);
    const intervalMs = this.#options.heartbeatMs ?? heartbeatIntervalSeconds * 1000;
    this.#heartbeatTimer = setInterval(() => this.#heartbeat(intervalMs), intervalMs);
  }

  /** Gives up the current socket and reconnects, as if it had dropped. */
  drop(reason: string): void {
    const ws = this.#ws;
    if (!ws || this.#state === 'closed') return;
    this.#forget();
    abandon(ws);
    this.#retry({ code: 1006, reason });
  }

  /** Stops for good: closes the socket (code 1000) and reports `end` once. */
  async end(end: ConnectionEnd): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#unfollowNetwork?.();
    clearTimeout(this.#retryTimer);
    clearInterval(this.#heartbeatTimer);
    const ws = this.#ws;
    if (ws) {
      if (ws.readyState === WEBSOCKET_OPEN) {
        const gone = new Promise<void>((resolve) => (this.#socketGone = resolve));
        ws.close(1000, end.reason);
        let timer: ReturnType<typeof setTimeout> | undefined;
        const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_GRACE_MS)));
        await Promise.race([gone, grace]);
        clearTimeout(timer);
      }
      if (this.#ws === ws) {
        this.#forget();
        abandon(ws);
      }
    }
    this.#hooks.onEnd(end);
  }

  async #connect(): Promise<void> {
    if (this.#isEnded()) return;
    let ticket: RealtimeTicket;
    let Impl: WebSocketConstructor;
    try {
      ticket = await this.#ticket();
      Impl = this.#options.WebSocket ?? defaultWebSocket();
    } catch (error) {
      if (this.#isEnded()) return;
      if (isPermanent(error)) return void this.end({ reason: 'refused', error: asError(error) });
      return this.#retry({ code: 0, reason: 'no ticket', error: asError(error) });
    }
    if (this.#isEnded()) return;

    let ws: WebSocketLike;
    try {
      ws = new Impl(ticket.url);
    } catch (error) {
      return void this.end({ reason: 'refused', error: asError(error) });
    }
    this.#ws = ws;
    let lastError: Error | undefined;
    this.#connectTimer = setTimeout(() => {
      if (this.#ws === ws) this.drop('the socket did not open in time');
    }, this.#options.connectTimeoutMs ?? 10_000);
    ws.onopen = () => {
      clearTimeout(this.#connectTimer);
      this.#lastInbound = Date.now();
      this.#hooks.onOpen();
    };
    ws.onerror = (event: { error?: unknown; message?: unknown }) => {
      lastError = asError(event?.error ?? event?.message ?? 'websocket error');
    };
    ws.onmessage = (event: { data?: unknown }) => {
      this.#lastInbound = Date.now();
      this.#receive(event.data);
    };
    ws.onclose = (event: { code?: number; reason?: unknown }) => {
      if (this.#ws !== ws) return;
      this.#forget();
      if (this.#isEnded()) return;
      this.#retry({
        code: event?.code ?? 1006,
        reason: typeof event?.reason === 'string' ? event.reason : '',
        error: lastError,
      });
    };
  }

  /** The first ticket while it is still good, then a fresh one each time. */
  async #ticket(): Promise<RealtimeTicket> {
    const initial = this.#options.socket;
    const usable = initial && Date.parse(initial.expires_at) + 1_000 > Date.now();
    if (usable && (!this.#usedInitialTicket || !this.#options.refresh)) {
      this.#usedInitialTicket = true;
      return initial;
    }
    if (this.#options.refresh) return this.#options.refresh();
    throw Object.assign(
      new RealtimeClosedError(
        'The websocket ticket expired, and there is no `refresh` for another.',
      ),
      { retryable: false },
    );
  }

  #receive(data: unknown): void {
    const text = textOf(data);
    if (text === undefined) {
      this.#hooks.onInvalid(new RealtimeProtocolError('a binary frame', String(data)));
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (cause) {
      this.#hooks.onInvalid(new RealtimeProtocolError('not JSON', text, { cause }));
      return;
    }
    const parsed = this.#hooks.schema.safeParse(json);
    if (!parsed.success) {
      const problem = parsed.error.issues
        .map((i) => `${i.path.join('.') || '(frame)'}: ${i.message}`)
        .join('; ');
      this.#hooks.onInvalid(new RealtimeProtocolError(problem, text, { cause: parsed.error }));
      return;
    }
    this.#hooks.onFrame(parsed.data);
  }

  #heartbeat(intervalMs: number): void {
    if (Date.now() - this.#lastInbound > intervalMs * SILENCE_INTERVALS) {
      this.drop('no frame from the server within the heartbeat timeout');
      return;
    }
    this.send({ type: 'ping', nonce: String(++this.#nonce) });
  }

  #retry(down: { code: number; reason: string; error?: Error | undefined }): void {
    if (this.#state === 'closed') return;
    clearInterval(this.#heartbeatTimer);
    if (!this.#backoff) {
      void this.end({ reason: 'lost', error: down.error });
      return;
    }
    const asked = (down.error as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
    const delayMs = typeof asked === 'number' ? asked : this.#backoff.next();
    this.#state = 'reconnecting';
    this.#hooks.onReconnecting({ ...down, attempt: ++this.#attempt, delayMs });
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      void this.#connect();
    }, delayMs);
  }

  /** The current socket is no longer ours to read or to wait for. */
  #forget(): void {
    this.#ws = undefined;
    clearTimeout(this.#connectTimer);
    clearInterval(this.#heartbeatTimer);
    this.#socketGone?.();
    this.#socketGone = undefined;
  }
}

type EventTargetLike = {
  addEventListener?: (type: string, listener: () => void) => void;
  removeEventListener?: (type: string, listener: () => void) => void;
};

/** Tells a link of the browser's `offline` and `online` events; a no-op where there are none. */
function followNetwork(link: { offline(): void; online(): void }): (() => void) | undefined {
  const target = globalThis as EventTargetLike;
  if (typeof target.addEventListener !== 'function' || !('navigator' in globalThis)) {
    return undefined;
  }
  const offline = () => link.offline();
  const online = () => link.online();
  target.addEventListener('offline', offline);
  target.addEventListener('online', online);
  return () => {
    target.removeEventListener?.('offline', offline);
    target.removeEventListener?.('online', online);
  };
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
