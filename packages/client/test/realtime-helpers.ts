import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AgentMCApi,
  type AgentRealtimeSessionWithSocket,
  type RealtimeConnection,
  type RealtimeSignal,
  type WatchConnection,
} from '@agentmc/api';
import {
  useWorld,
  type StoreKind,
  type TestServer,
  type TestServerOptions,
} from '@agentmc/testkit';
import { afterEach, expect } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';

export interface RealtimeWorld {
  readonly server: TestServer;
  readonly agent: { id: number; key: string };
  readonly user: { id: number; key: string };
  /** The agent's client and the person's client. */
  readonly agentApi: AgentMCApi;
  readonly personApi: AgentMCApi;
  /** The person requests a session with the agent. */
  request(meta?: Record<string, unknown>): Promise<AgentRealtimeSessionWithSocket>;
  /** The agent claims a session; the answer carries a ticket. */
  claim(id: number): Promise<AgentRealtimeSessionWithSocket>;
  /** The person sends a signal over HTTP. */
  personSends(id: number, text: string): Promise<RealtimeSignal>;
  /** Every signal of a session, over HTTP. */
  history(id: number): Promise<RealtimeSignal[]>;
  /** Closed after the test. */
  track<T extends RealtimeConnection | WatchConnection>(connection: T): T;
}

/** A real server over a new database of `kind`, one team, its agent and person; all closed after each test. */
export function useRealtimeWorld(kind: StoreKind, config: TestServerOptions = {}) {
  const world = useWorld({ ...config, kind });
  const connections: (RealtimeConnection | WatchConnection)[] = [];
  afterEach(async () => {
    await Promise.all(connections.splice(0).map((c) => c.close()));
  });
  return (): RealtimeWorld => {
    const { server, agent, user } = world();
    const agentApi = new AgentMCApi({ apiKey: agent.key, baseUrl: server.baseUrl });
    const personApi = new AgentMCApi({ apiKey: user.key, baseUrl: server.baseUrl });
    return {
      server,
      agent,
      user,
      agentApi,
      personApi,
      async request(meta) {
        const created = await personApi.operations.createRealtimeSession({
          body: { agent_id: agent.id, ...(meta ? { meta } : {}) },
        });
        if (created.status !== 201) throw new Error(`request: ${created.status}`);
        return created.data.data;
      },
      async claim(id) {
        const claimed = await agentApi.operations.claimAgentRealtimeSession({
          params: { path: { session: id } },
          body: {},
        });
        if (claimed.status !== 200 || !claimed.data.data.socket) {
          throw new Error(`claim: ${claimed.status}`);
        }
        return { ...claimed.data.data, socket: claimed.data.data.socket };
      },
      async personSends(id, text) {
        const sent = await personApi.operations.createRealtimeSignal({
          params: { path: { session: id } },
          body: { type: 'message', payload: { text } },
        });
        if (sent.status !== 201) throw new Error(`send: ${sent.status}`);
        return sent.data.data;
      },
      async history(id) {
        const all: RealtimeSignal[] = [];
        for (;;) {
          const page = await personApi.operations.listRealtimeSignals({
            params: { path: { session: id }, query: { after_id: all.at(-1)?.id ?? 0, limit: 200 } },
          });
          if (page.status !== 200) throw new Error(`history: ${page.status}`);
          all.push(...page.data.data);
          if (page.data.data.length < 200) return all;
        }
      },
      track(connection) {
        connections.push(connection);
        return connection;
      },
    };
  };
}

/** Every signal a connection delivers from now on. */
export function collect(connection: RealtimeConnection): RealtimeSignal[] {
  const signals: RealtimeSignal[] = [];
  connection.on('signal', (signal) => signals.push(signal));
  return signals;
}

/** 1, 2, …, n. */
export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** Checks that signals are exactly seq `from`..`to`, once each, in order. */
export function expectSeqs(signals: readonly RealtimeSignal[], from: number, to: number): void {
  expect(signals.map((s) => s.seq)).toEqual(range(from, to));
}

/**
 * A bare websocket server standing in for a misbehaving or silent peer: it is not the API (the
 * API is always the real server), only a way to send frames the real server never sends.
 */
export async function startStubSocketServer(
  onConnection: (socket: WebSocket, received: string[]) => void,
): Promise<{ url: string; connections: number; close(): Promise<void> }> {
  const server = http.createServer();
  const wss = new WebSocketServer({ server });
  const state = { connections: 0 };
  wss.on('connection', (socket) => {
    state.connections += 1;
    const received: string[] = [];
    // With the default binaryType ('nodebuffer') each message is one Buffer.
    socket.on('message', (data) => received.push((data as Buffer).toString()));
    onConnection(socket, received);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/socket`,
    get connections() {
      return state.connections;
    },
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
