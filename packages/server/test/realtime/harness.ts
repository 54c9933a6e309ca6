import {
  ServerSessionFrame,
  ServerWatchFrame,
  type AgentRealtimeSessionWithSocket,
  type RealtimeSignal,
} from '@agentmc/contract';
import { afterEach, beforeEach, expect } from 'vitest';
import WebSocket from 'ws';
import type { AppConfig } from '../../src/app.js';
import {
  manualClock,
  startTestServer,
  type StoreKind,
  type TestServer,
} from '../../src/testing/index.js';
import { SEED_INSTANT as T0, type ManualClock } from '../helpers.js';

/** Long enough for a loaded two-core machine; tests never wait this long when things work. */
export const WAIT_MS = 15_000;

/** Where every test clock starts (`2026-02-22T17:21:00Z`), and the API's timestamps. */
export { SEED_INSTANT as T0, iso, type ManualClock } from '../helpers.js';

export interface Reply {
  readonly status: number;
  readonly body: any;
}

/** A JSON call to the API with an API key. */
export async function call(
  baseUrl: string,
  method: 'GET' | 'POST',
  path: string,
  key: string,
  json?: unknown,
): Promise<Reply> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      'X-Api-Key': key,
      ...(json !== undefined ? { 'Content-Type': 'application/json' } : {}),
    },
    ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

type AnyFrame = ServerSessionFrame | ServerWatchFrame;

/**
 * A raw `ws` client that records every frame, checks it against the contract's schema, and lets
 * a test wait for the next frame it cares about, in arrival order.
 */
export class TestSocket<Frame extends AnyFrame = ServerSessionFrame> {
  readonly ws: WebSocket;
  readonly frames: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  #read = 0;
  #wakeUp: (() => void) | undefined;

  private constructor(ws: WebSocket, kind: 'session' | 'watch') {
    this.ws = ws;
    const schema = kind === 'session' ? ServerSessionFrame : ServerWatchFrame;
    ws.on('message', (data) => {
      const frame = schema.parse(JSON.parse((data as Buffer).toString('utf8'))) as Frame;
      this.frames.push(frame);
      this.#wakeUp?.();
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => {
        resolve({ code, reason: String(reason) });
        this.#wakeUp?.();
      }),
    );
  }

  /** Opens a socket; rejects with the refusal (status and envelope) when the server says no. */
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

  /** The next unread frame that matches; frames before it are skipped. */
  async next<T extends Frame['type']>(
    type: T,
    match: (frame: Extract<Frame, { type: T }>) => boolean = () => true,
  ): Promise<Extract<Frame, { type: T }>> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      while (this.#read < this.frames.length) {
        const frame = this.frames[this.#read++]!;
        if (frame.type === type && match(frame as Extract<Frame, { type: T }>)) {
          return frame as Extract<Frame, { type: T }>;
        }
      }
      await this.#wait(deadline, type);
    }
  }

  async #wait(deadline: number, what: string): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) {
      throw new Error(`socket closed while waiting for a ${what} frame`);
    }
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`no ${what} frame within ${WAIT_MS} ms`);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.min(left, 250));
      this.#wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Signal frames received so far (read or not). */
  signals(): RealtimeSignal[] {
    return this.frames.flatMap((f) => (f.type === 'signal' ? [f.signal] : []));
  }

  /** The next unread signal that matches. */
  async signal(match: (signal: RealtimeSignal) => boolean): Promise<RealtimeSignal> {
    const frames = this.frames as AnyFrame[];
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      while (this.#read < frames.length) {
        const frame = frames[this.#read++]!;
        if (frame.type === 'signal' && match(frame.signal)) return frame.signal;
      }
      await this.#wait(deadline, 'signal');
    }
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

export interface World {
  readonly server: TestServer;
  readonly clock: ManualClock;
  readonly team: { id: number };
  readonly user: { id: number; key: string };
  readonly agent: { id: number; key: string };
  /** Calls as the person. */
  readonly person: (method: 'GET' | 'POST', path: string, json?: unknown) => Promise<Reply>;
  /** Calls as the agent. */
  readonly bot: (method: 'GET' | 'POST', path: string, json?: unknown) => Promise<Reply>;
}

export function worldOn(
  server: TestServer,
  clock: ManualClock,
  ids: Omit<World, 'server' | 'clock' | 'person' | 'bot'>,
): World {
  return {
    server,
    clock,
    ...ids,
    person: (method, path, json) => call(server.baseUrl, method, path, ids.user.key, json),
    bot: (method, path, json) => call(server.baseUrl, method, path, ids.agent.key, json),
  };
}

/**
 * A new server over a new database for every test, with a manual clock at {@link T0}, one
 * team, one person and one agent. The sweeper's timer is effectively off: tests call
 * `server.sweep()` after moving the clock.
 */
export function useWorld(kind: StoreKind, config: Partial<AppConfig> = {}) {
  let world: World | undefined;
  beforeEach(async () => {
    const clock = manualClock(T0);
    const server = await startTestServer({ kind, clock, config: withQuietSweeper(config) });
    const team = await server.fixtures.team();
    world = worldOn(server, clock, {
      team,
      user: await server.fixtures.user(team.id),
      agent: await server.fixtures.agent(team.id),
    });
  });
  afterEach(async () => {
    await world?.server.close();
    world = undefined;
  });
  return (): World => {
    if (!world) throw new Error('useWorld: only inside a test');
    return world;
  };
}

export function withQuietSweeper(config: Partial<AppConfig>): Partial<AppConfig> {
  return { ...config, realtime: { sweepIntervalSeconds: 3_600, ...config.realtime } };
}

/** A second replica over the same database, sharing the clock. */
export function replicaOf(server: TestServer, clock: ManualClock, config: Partial<AppConfig> = {}) {
  return startTestServer({
    database: server.database,
    clock,
    config: withQuietSweeper(config),
  });
}

/** The person requests a session with the agent; returns it with its socket. */
export async function request(w: World, json: Record<string, unknown> = {}) {
  const reply = await w.person('POST', '/realtime/sessions', { agent_id: w.agent.id, ...json });
  expect(reply.status).toBe(201);
  return reply.body.data as AgentRealtimeSessionWithSocket;
}

/** The agent claims a session; returns it with its socket. */
export async function claim(w: World, sessionId: number) {
  const reply = await w.bot('POST', `/agents/realtime/sessions/${sessionId}/claim`, {});
  expect(reply.status).toBe(200);
  return reply.body.data as AgentRealtimeSessionWithSocket;
}

/** Person requests, agent claims, both connect and see `ready`. */
export async function connected(w: World) {
  const requested = await request(w);
  const claimed = await claim(w, requested.id);
  const browser = await TestSocket.open(requested.socket.url);
  await browser.next('ready');
  const agent = await TestSocket.open(claimed.socket.url);
  await agent.next('ready');
  return { id: requested.id, requested, claimed, browser, agent };
}

/** The seqs of a list of signals, for "nothing lost, nothing doubled" checks. */
export function seqs(signals: RealtimeSignal[]): number[] {
  return signals.map((s) => s.seq);
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
