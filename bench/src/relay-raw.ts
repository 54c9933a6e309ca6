/**
 * The relay measured with raw `ws` clients, the same on the real server and on its ceiling (the
 * bare relay of relay-ceiling-server.ts), so that the two differ only in the server: no SDK
 * parsing, reconnecting or outbox on either side.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chatSignal } from '@agentmc/api';
import { freePort } from '@agentmc/testkit/core';
import WebSocket, { type RawData } from 'ws';

const ceilingScript = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  'relay-ceiling-server.js',
);

/** How long one round trip may take before the run is given up as broken. */
const ROUND_TRIP_TIMEOUT_MS = 10_000;

/** Where each side of one session connects: the tickets' URLs, or the bare relay's. */
export interface SessionUrls {
  readonly person: string;
  readonly agent: string;
}

/** Starts the bare relay in its own process; each `session()` is a new session's two URLs. */
export async function startRelayCeiling() {
  const port = await freePort();
  const child = spawn(process.execPath, [ceilingScript, String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`bare relay exited with ${code}`)));
  });
  let sessions = 0;
  return {
    session(): SessionUrls {
      const base = `ws://127.0.0.1:${port}/sessions/${++sessions}`;
      return { person: `${base}?role=browser`, agent: `${base}?role=agent` };
    },
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

interface Frame {
  type: string;
  last_signal_id?: number;
  error?: unknown;
  signal?: {
    sender: string;
    payload: { type?: string; request_id?: string; payload?: { content?: string } } | null;
  };
}

/** A frame's text: with the default binaryType, `nodebuffer`, every message is one Buffer. */
const text = (data: RawData) => (data as Buffer).toString('utf8');

/** Opens a session socket, waits for `ready`, and starts the stream with `resume`. */
async function openSide(
  url: string,
  onFrame: (frame: Frame, ws: WebSocket) => void,
): Promise<WebSocket> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    ws.once('message', (data) => {
      const ready = JSON.parse(text(data)) as Frame;
      if (ready.type !== 'ready') {
        reject(new Error(`expected ready, got ${text(data)}`));
        return;
      }
      ws.send(JSON.stringify({ type: 'resume', after_id: ready.last_signal_id ?? 0 }));
      ws.on('message', (next) => onFrame(JSON.parse(text(next)) as Frame, ws));
      resolve();
    });
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) =>
      reject(new Error(`socket refused: ${res.statusCode}`)),
    );
  });
  return ws;
}

/**
 * Both sides of one session over raw sockets. The agent answers each `chat.user` signal from the
 * person with the `chat.agent.done` signal frame; `roundTrip()` sends one `chat.user` and
 * resolves with the milliseconds until its answer reaches the person.
 */
export async function openRawRelay(urls: SessionUrls) {
  const replies = new Map<string, (error?: Error) => void>();
  const fail = (error: Error) => {
    for (const settle of replies.values()) settle(error);
    replies.clear();
  };
  const onError = (side: string) => (frame: Frame) => {
    if (frame.type === 'error') fail(new Error(`${side} got ${JSON.stringify(frame.error)}`));
  };

  const agent = await openSide(urls.agent, (frame, ws) => {
    onError('agent')(frame);
    const message = frame.signal?.payload;
    if (frame.type !== 'signal' || frame.signal?.sender !== 'browser') return;
    if (message?.type !== 'chat.user' || message.request_id === undefined) return;
    const done = chatSignal('chat.agent.done', message.payload?.content ?? '', {
      requestId: message.request_id,
    });
    ws.send(JSON.stringify({ type: 'signal', signal: done }));
  });
  const person = await openSide(urls.person, (frame) => {
    onError('person')(frame);
    const message = frame.signal?.payload;
    if (frame.type !== 'signal' || frame.signal?.sender !== 'agent') return;
    if (message?.type !== 'chat.agent.done') return;
    replies.get(message.request_id ?? '')?.();
  });
  for (const [side, ws] of [
    ['agent', agent],
    ['person', person],
  ] as const) {
    ws.on('close', (code) => fail(new Error(`${side} socket closed with ${code}`)));
  }

  let n = 0;
  return {
    roundTrip(): Promise<number> {
      const requestId = `r-${++n}`;
      const started = performance.now();
      return new Promise<number>((resolve, reject) => {
        const timer = setTimeout(
          () => replies.get(requestId)?.(new Error(`no answer to ${requestId}`)),
          ROUND_TRIP_TIMEOUT_MS,
        );
        replies.set(requestId, (error) => {
          clearTimeout(timer);
          replies.delete(requestId);
          if (error) reject(error);
          else resolve(performance.now() - started);
        });
        const signal = chatSignal('chat.user', `ping ${n}`, { requestId });
        person.send(JSON.stringify({ type: 'signal', signal }));
      });
    },
    close() {
      for (const ws of [agent, person]) {
        ws.removeAllListeners('close');
        ws.close();
      }
    },
  };
}
