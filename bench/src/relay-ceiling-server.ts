/**
 * The relay's ceiling: a bare `ws` server that relays a session's frames the way the real server
 * does, without store, auth, validation or ordering machinery. Each side connects to
 * `/sessions/ID?role=browser|agent`, gets a `ready`, and every `signal` frame either side sends
 * is stamped as a signal (id, seq, sender) and sent to both sides, the sender's with its
 * idempotency key: the frames and the fan-out of the real protocol, and nothing else.
 * Run as its own process: `node relay-ceiling-server.js PORT`; it prints `ready` once listening.
 */
import { WebSocketServer, type WebSocket } from 'ws';

interface Session {
  readonly id: number;
  readonly sockets: Set<{ ws: WebSocket; role: string }>;
  seq: number;
}

const port = Number(process.argv[2]);
const sessions = new Map<number, Session>();
let nextSignalId = 0;

// The real server's socket options: no compression.
const wss = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false });

wss.on('connection', (ws, req) => {
  const url = new URL(req.url ?? '/', 'http://relay');
  const id = Number(/^\/sessions\/(\d+)$/.exec(url.pathname)?.[1]);
  const role = url.searchParams.get('role');
  if (!Number.isInteger(id) || (role !== 'browser' && role !== 'agent')) {
    ws.close(4000, 'expected /sessions/ID?role=browser|agent');
    return;
  }
  const session = sessions.get(id) ?? { id, sockets: new Set(), seq: 0 };
  sessions.set(id, session);
  const side = { ws, role };
  session.sockets.add(side);
  ws.on('close', () => {
    session.sockets.delete(side);
    if (session.sockets.size === 0) sessions.delete(id);
  });
  ws.send(
    JSON.stringify({
      type: 'ready',
      role,
      last_signal_id: 0,
      last_seq: 0,
      heartbeat_interval_seconds: 30,
    }),
  );
  ws.on('message', (data) => {
    // With the default binaryType, `nodebuffer`, every message is one Buffer.
    const frame = JSON.parse((data as Buffer).toString('utf8')) as {
      type: string;
      nonce?: string;
      signal?: { type: string; payload?: unknown; idempotency_key?: string };
    };
    if (frame.type === 'ping') {
      ws.send(JSON.stringify({ type: 'pong', nonce: frame.nonce }));
      return;
    }
    if (frame.type !== 'signal' || !frame.signal) return;
    const signal = {
      id: ++nextSignalId,
      seq: ++session.seq,
      team_id: 1,
      agent_id: 1,
      session_id: id,
      sender: role,
      type: frame.signal.type,
      payload: frame.signal.payload ?? null,
      created_at: new Date().toISOString(),
    };
    const key = frame.signal.idempotency_key;
    for (const other of session.sockets) {
      const own = other.role === role && key !== undefined;
      other.ws.send(
        JSON.stringify({ type: 'signal', signal, ...(own ? { idempotency_key: key } : {}) }),
      );
    }
  });
});
wss.on('listening', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => {
  for (const ws of wss.clients) ws.terminate();
  wss.close(() => process.exit(0));
});
