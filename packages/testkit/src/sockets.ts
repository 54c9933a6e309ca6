import { ServerSessionFrame, ServerWatchFrame, type RealtimeSignal } from '@agentmc/contract';
import { expect, onTestFinished } from 'vitest';
import WebSocket from 'ws';
import { WAIT_MS, waitFor } from './wait.js';

/**
 * Terminates a socket once the current test has finished (after its `afterEach` hooks), so
 * that no test leaves one open. Outside a test (a `beforeAll`) its opener closes it.
 */
function closeAfterTest(ws: WebSocket): void {
  try {
    onTestFinished(() => ws.terminate());
  } catch {
    // not inside a test
  }
}

type AnyFrame = ServerSessionFrame | ServerWatchFrame;

/**
 * A raw `ws` client that records every frame, checks it against the contract's schema, and lets
 * a test wait for the next frame it cares about, in arrival order. Closed after the test that
 * opened it.
 *
 * @example
 * const socket = await TestSocket.open(session.socket.url);
 * await socket.next('ready');
 * const hello = await socket.signal((s) => s.type === 'message');
 */
export class TestSocket<Frame extends AnyFrame = ServerSessionFrame> {
  readonly ws: WebSocket;
  readonly frames: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  #read = 0;

  private constructor(ws: WebSocket, kind: 'session' | 'watch') {
    this.ws = ws;
    const schema = kind === 'session' ? ServerSessionFrame : ServerWatchFrame;
    ws.on('message', (data) => {
      this.frames.push(schema.parse(JSON.parse(String(data))) as Frame);
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
    );
  }

  /** Opens a session socket; rejects with the refusal (status and envelope) when the server says no. */
  static open(url: string): Promise<TestSocket<ServerSessionFrame>> {
    return TestSocket.#open<ServerSessionFrame>(url, 'session');
  }

  /** Opens an agent's watch socket. */
  static watch(url: string): Promise<TestSocket<ServerWatchFrame>> {
    return TestSocket.#open<ServerWatchFrame>(url, 'watch');
  }

  static #open<F extends AnyFrame>(url: string, kind: 'session' | 'watch'): Promise<TestSocket<F>> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      closeAfterTest(ws);
      const socket = new TestSocket<F>(ws, kind);
      ws.once('open', () => resolve(socket));
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += String(chunk)));
        res.on('end', () => reject(new Refused(res.statusCode ?? 0, body ? JSON.parse(body) : {})));
      });
      ws.once('error', (error) => reject(error));
    });
  }

  /** The next unread frame of a type that matches; frames before it are skipped. */
  async next<T extends Frame['type']>(
    type: T,
    match: (frame: Extract<Frame, { type: T }>) => boolean = () => true,
  ): Promise<Extract<Frame, { type: T }>> {
    const frame = await this.#take(
      `a ${type} frame`,
      (f) => f.type === type && match(f as Extract<Frame, { type: T }>),
    );
    return frame as Extract<Frame, { type: T }>;
  }

  /**
   * A session socket's start, as the README tells a client: waits for `ready`, then sends
   * `resume` — after `afterId`, or by default after the newest signal `ready` names (live from
   * here on) — which starts the signal stream. Resolves with the `ready` frame.
   */
  async ready(afterId?: number): Promise<Extract<ServerSessionFrame, { type: 'ready' }>> {
    const ready = (await this.next('ready' as Frame['type'])) as unknown as Extract<
      ServerSessionFrame,
      { type: 'ready' }
    >;
    this.send({ type: 'resume', after_id: afterId ?? ready.last_signal_id });
    return ready;
  }

  /** The next unread signal that matches; frames before it are skipped. */
  async signal(match: (signal: RealtimeSignal) => boolean): Promise<RealtimeSignal> {
    const frame = await this.#take(
      'a signal',
      (f) => (f as AnyFrame).type === 'signal' && match((f as { signal: RealtimeSignal }).signal),
    );
    return (frame as { signal: RealtimeSignal }).signal;
  }

  /** Waits for the next unread frame that `accept`s, failing at once if the socket closed. */
  async #take(what: string, accept: (frame: Frame) => boolean): Promise<Frame> {
    const found = await waitFor(() => {
      while (this.#read < this.frames.length) {
        const frame = this.frames[this.#read++]!;
        if (accept(frame)) return { frame };
      }
      if (this.ws.readyState === WebSocket.CLOSED) return { frame: undefined };
      throw new Error(`no ${what} within ${WAIT_MS} ms`);
    });
    if (!found.frame) throw new Error(`socket closed while waiting for ${what}`);
    return found.frame;
  }

  /** Signal frames received so far (read or not). */
  signals(): RealtimeSignal[] {
    return (this.frames as AnyFrame[]).flatMap((f) => (f.type === 'signal' ? [f.signal] : []));
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Closes from the client's side and waits for the server's answer. */
  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(1000);
    await this.closed;
  }

  /** Drops the connection without a goodbye, like a crashed process or a lost network. */
  async drop(): Promise<void> {
    this.ws.terminate();
    await this.closed;
  }
}

/** A websocket the server refused at the upgrade, with its status and error envelope. */
export class Refused extends Error {
  constructor(
    readonly status: number,
    readonly body: any,
  ) {
    super(`websocket refused: ${status} ${JSON.stringify(body)}`);
  }
}

/** Expects a socket to be refused with a status and an error code. */
export async function expectRefused(url: string, status: number, code: string): Promise<void> {
  const error = await TestSocket.open(url).then(
    (socket) => {
      void socket.close();
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Refused);
  expect((error as Refused).status).toBe(status);
  expect((error as Refused).body.error.code).toBe(code);
}

/**
 * The `ws` WebSocket, keeping every socket it opens so that a test can cut one (`terminate`)
 * as a network failure would; each is terminated after the test that opened it.
 *
 * @example
 * const { WebSocket, sockets } = trackedWebSocket();
 * const agent = connectAgentSession(api, claimed, { WebSocket });
 * sockets[0]!.terminate();
 */
export function trackedWebSocket(): {
  WebSocket: new (url: string) => WebSocket;
  sockets: WebSocket[];
} {
  const sockets: WebSocket[] = [];
  class Tracked extends WebSocket {
    constructor(url: string) {
      super(url);
      sockets.push(this);
      closeAfterTest(this);
    }
  }
  return { WebSocket: Tracked, sockets };
}
