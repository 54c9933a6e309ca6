import { PassThrough } from 'node:stream';
import { Agent, createJsonLogger, realtimeSessionHandler } from '@agentmc/agent';
import { AgentMCApi } from '@agentmc/api';
import { startTestServer, type TestServer } from '@agentmc/server/testing';
import { afterEach } from 'vitest';

/** Servers and sample agents of a test, stopped and closed after it. */
export function useWorld() {
  const servers: TestServer[] = [];
  const agents: Agent[] = [];
  afterEach(async () => {
    await Promise.all(agents.splice(0).map((a) => a.stop()));
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  return async (options: Parameters<typeof startTestServer>[0] = {}) => {
    const server = await startTestServer(options);
    servers.push(server);
    const team = await server.fixtures.team();
    const agent = await server.fixtures.agent(team.id);
    const user = await server.fixtures.user(team.id);
    return {
      server,
      agent,
      user,
      /** The person's client. */
      api: new AgentMCApi({ apiKey: user.key, baseUrl: server.baseUrl }),
      /** Starts the sample agent (watch, echo chat) and resolves once its watch is up. */
      async startAgent(): Promise<Agent> {
        const lines: string[] = [];
        const sample = new Agent({
          api: new AgentMCApi({ apiKey: agent.key, baseUrl: server.baseUrl }),
          logger: createJsonLogger({ level: 'info', write: (line) => lines.push(line) }),
          handler: realtimeSessionHandler(),
        });
        agents.push(sample);
        void sample.start();
        await until(() => lines.some((l) => l.includes('"watch.ready"')), 'the watch');
        return sample;
      },
    };
  };
}

/** A terminal in memory: what is typed into `input`, and everything written to `output`. */
export function terminal() {
  const input = new PassThrough();
  const output = new PassThrough();
  let text = '';
  output.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  return {
    input,
    output,
    type: (line: string) => input.write(`${line}\n`),
    get text() {
      return text;
    },
    get lines() {
      return text.split('\n').filter(Boolean);
    },
  };
}

/** Waits until `predicate` holds, failing after 15 s. */
export async function until(predicate: () => boolean, what = 'condition'): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
