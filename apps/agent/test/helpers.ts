import {
  AgentMCApi,
  type AgentRealtimeSession,
  type AgentRealtimeSessionWithSocket,
} from '@agentmc/api';
import { inspect, serverForTest, type TestServer, type TestServerOptions } from '@agentmc/testkit';
import { afterEach } from 'vitest';
import { Agent, type AgentLogger, type AgentOptions, type SessionHandler } from '../src/index.js';

export interface LogEntry {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly event: string;
  readonly fields: Record<string, unknown>;
  readonly at: number;
}

/** A logger that keeps what it is told, for tests to read. */
export function recordingLogger(): AgentLogger & { readonly entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const at =
    (level: LogEntry['level']) =>
    (event: string, fields: Record<string, unknown> = {}) => {
      entries.push({ level, event, fields, at: Date.now() });
    };
  return { entries, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** A handler that records the sessions it is given. */
export function collectingHandler(): SessionHandler & {
  readonly sessions: AgentRealtimeSession[];
} {
  const sessions: AgentRealtimeSession[] = [];
  return {
    sessions,
    onClaimed(session) {
      sessions.push(session);
    },
  };
}

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Headers;
  readonly at: number;
  status?: number;
  respondedAt?: number;
}

/**
 * A `fetch` that forwards to the real one and notes each request and its status: the agent's
 * traffic as a proxy would see it.
 */
/** The URL a `fetch` was called with, whichever form it took. */
export function urlOf(input: string | URL | Request): string {
  if (typeof input === 'string') return input;
  return input instanceof URL ? input.href : input.url;
}

export function recordingFetch(): typeof fetch & { readonly requests: RecordedRequest[] } {
  const requests: RecordedRequest[] = [];
  const recorder = async (input: string | URL | Request, init?: RequestInit) => {
    const request: RecordedRequest = {
      method: init?.method ?? 'GET',
      url: urlOf(input),
      headers: new Headers(init?.headers),
      at: Date.now(),
    };
    requests.push(request);
    const response = await fetch(input, init);
    request.status = response.status;
    request.respondedAt = Date.now();
    return response;
  };
  return Object.assign(recorder, { requests });
}

/** Servers and agents of a test: the agents stopped after it, then the servers closed. */
export function useHarness() {
  const agents: Agent[] = [];
  afterEach(async () => {
    await Promise.all(agents.splice(0).map((a) => a.stop()));
  });
  return {
    server(config: TestServerOptions = {}): Promise<TestServer> {
      return serverForTest(config);
    },
    /** An agent with fast polls, a recording logger and a collecting handler. */
    agent(server: TestServer, apiKey: string, options: Partial<AgentOptions> = {}) {
      const logger = recordingLogger();
      const handler = collectingHandler();
      const fetch = recordingFetch();
      const agent = new Agent({
        api: new AgentMCApi({ apiKey, baseUrl: server.baseUrl, fetch, timeoutMs: 5_000 }),
        logger,
        handler,
        pollMinMs: 10,
        pollMaxMs: 100,
        ...options,
      });
      agents.push(agent);
      return { agent, logger, handler, fetch };
    },
  };
}

/** A person of the agent's team requests a session with it through the API, as in production. */
export async function requestSession(
  server: TestServer,
  agentId: number,
): Promise<AgentRealtimeSessionWithSocket> {
  return (await personOf(server, agentId)).request();
}

/** The person's side: a user of the agent's team, with a client. */
export async function personOf(server: TestServer, agentId: number) {
  const agent = await inspect(server.database).agent(agentId);
  const user = await server.fixtures.user(agent!.team_id);
  const api = new AgentMCApi({ apiKey: user.key, baseUrl: server.baseUrl });
  return {
    user,
    api,
    async request(): Promise<AgentRealtimeSessionWithSocket> {
      const created = await api.operations.createRealtimeSession({ body: { agent_id: agentId } });
      if (created.status !== 201) throw new Error(`request: ${created.status}`);
      return created.data.data;
    },
  };
}
