import { SOCKET_CLOSE_CODES } from '@agentmc/contract';
import { WebSocket, type RawData } from 'ws';
import { invalid, type Failure } from '../errors/failures.js';
import { toApiError } from '../errors/to-api-error.js';
import type { Logger } from '../logger.js';
import { idempotencyKeyOf } from './frames.js';

/** Inbound frames waiting for their turn before the socket stops reading. */
const INBOUND_HIGH_WATER = 16;
const INBOUND_LOW_WATER = 4;
/** How long a closing socket may take to say goodbye before it is cut. */
const CLOSE_GRACE_MS = 2_000;
/**
 * The same for a socket closed for reading too slowly: its close frame waits behind a backlog
 * it is not reading, so it is cut soon after, and counted gone, rather than holding its place
 * (and letting its session's sender run on) for the whole grace.
 */
const TOO_SLOW_GRACE_MS = 250;

export interface PeerOptions {
  readonly maxBufferedBytes: number;
  readonly logger: Logger;
  /** Handles one text frame; frames are handled one at a time, in order. */
  readonly onText: (text: string) => Promise<void>;
  /** Any sign of life: a frame or a pong. */
  readonly onTraffic: () => void;
  /** Pays for one inbound frame, whatever it is; a failure refuses it unread. */
  readonly spend: () => Failure | undefined;
}

/**
 * One websocket, with both directions bounded. Outbound: a socket whose unsent bytes pass
 * `maxBufferedBytes` is disconnected (it reconnects and resumes) instead of growing the
 * server's memory. Inbound: frames are handled strictly in order, and the socket stops reading
 * while too many wait, so a flood slows the sender down instead of piling up promises; every
 * frame is paid for first, so one over its principal's budget is refused without being read.
 */
export class Peer {
  readonly #ws: WebSocket;
  readonly #options: PeerOptions;
  #queue: Promise<void> = Promise.resolve();
  #queued = 0;
  #alive = true;
  /** Access was revoked: no frame is handled any more, those already queued included. */
  #revoked = false;

  constructor(ws: WebSocket, options: PeerOptions) {
    this.#ws = ws;
    this.#options = options;
    ws.on('message', (data, isBinary) => this.#receive(data, isBinary));
    ws.on('pong', () => {
      this.#alive = true;
      options.onTraffic();
    });
    ws.on('error', (error) => options.logger.debug({ err: error }, 'websocket error'));
  }

  get open(): boolean {
    return this.#ws.readyState === WebSocket.OPEN;
  }

  /** Runs `task` after every frame received so far, and before any received later. */
  enqueue(task: () => Promise<void>): void {
    this.#queue = this.#queue.then(task).catch((error: unknown) => {
      const apiError = toApiError(error);
      if (apiError.status >= 500) {
        this.#options.logger[apiError.status === 503 ? 'warn' : 'error'](
          { err: error },
          'websocket frame handler failed',
        );
      }
      this.sendError(apiError);
    });
  }

  /** Sends a frame; false when the socket is gone or was just cut for reading too slowly. */
  send(frame: object): boolean {
    return this.#write(frame);
  }

  /**
   * Sends a frame and resolves once it (and so everything before it) has been handed to the
   * operating system: a long catch-up waits here page by page instead of queueing it all.
   */
  sendAndWait(frame: object): Promise<boolean> {
    return new Promise((resolve) => {
      if (!this.#write(frame, () => resolve(this.open))) resolve(false);
    });
  }

  #write(frame: object, written?: () => void): boolean {
    if (!this.open) return false;
    if (this.#ws.bufferedAmount > this.#options.maxBufferedBytes) {
      this.#options.logger.warn(
        { buffered: this.#ws.bufferedAmount },
        'websocket consumer too slow; disconnecting',
      );
      this.close(SOCKET_CLOSE_CODES.tooSlow, 'too slow', TOO_SLOW_GRACE_MS);
      return false;
    }
    this.#ws.send(JSON.stringify(frame), written ? () => written() : undefined);
    return true;
  }

  /**
   * Sends any failure as an `error` frame: the same code, message and details an HTTP request
   * would get in its envelope (see `toApiError`), with the idempotency key of the refused signal.
   */
  sendError(failure: unknown, idempotencyKey?: string): void {
    const { error } = toApiError(failure).toEnvelope();
    this.send({
      type: 'error',
      error,
      ...(idempotencyKey !== undefined ? { idempotency_key: idempotencyKey } : {}),
    });
  }

  /** Closes with a code, after what is already queued; cuts the socket if that takes too long. */
  close(code: number, reason: string, graceMs = CLOSE_GRACE_MS): void {
    if (this.#ws.readyState === WebSocket.CLOSED) return;
    if (this.#ws.readyState !== WebSocket.CLOSING) this.#ws.close(code, reason);
    const timer = setTimeout(() => this.#ws.terminate(), graceMs);
    timer.unref();
    this.#ws.once('close', () => clearTimeout(timer));
  }

  /**
   * Ends a socket whose access was revoked: it handles no frame from now on, says why in an
   * `error` frame, and closes with {@link SOCKET_CLOSE_CODES.accessRevoked}.
   */
  revoke(failure: unknown): void {
    if (this.#revoked) return;
    this.#revoked = true;
    this.sendError(failure);
    this.close(SOCKET_CLOSE_CODES.accessRevoked, 'access revoked');
  }

  /** For the server's ping round: drops a socket that did not answer the previous ping. */
  checkAlive(): void {
    if (!this.open) return;
    if (!this.#alive) {
      this.#ws.terminate();
      return;
    }
    this.#alive = false;
    this.#ws.ping();
  }

  onClose(listener: () => void): void {
    this.#ws.once('close', listener);
  }

  #receive(data: RawData, isBinary: boolean): void {
    if (this.#revoked) return;
    this.#alive = true;
    this.#options.onTraffic();
    if (++this.#queued >= INBOUND_HIGH_WATER && !this.#ws.isPaused) this.#ws.pause();
    const text = isBinary ? undefined : rawText(data);
    this.enqueue(async () => {
      try {
        if (this.#revoked) return;
        const over = this.#options.spend();
        if (over) {
          this.sendError(over, text === undefined ? undefined : idempotencyKeyOf(text));
        } else if (text === undefined) {
          this.sendError(
            invalid({ frame: ['Must be a JSON text frame.'] }, 'Frames must be JSON text.'),
          );
        } else {
          await this.#options.onText(text);
        }
      } finally {
        if (--this.#queued <= INBOUND_LOW_WATER && this.#ws.isPaused) this.#ws.resume();
      }
    });
  }
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
