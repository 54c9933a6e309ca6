import { PassThrough } from 'node:stream';
import { Agent, createJsonLogger, realtimeSessionHandler } from '@agentmc/agent';
import { AgentMCApi } from '@agentmc/api';
import { serverForTest, waitFor, world, type TestServerOptions } from '@agentmc/testkit';
import { afterEach, expect } from 'vitest';

/** Servers and sample agents of a test: the agents stopped after it, then the servers closed. */
export function useWorld() {
  const agents: Agent[] = [];
  afterEach(async () => {
    await Promise.all(agents.splice(0).map((a) => a.stop()));
  });
  return async (options: TestServerOptions = {}) => {
    const server = await serverForTest(options);
    const { agent, user } = await world(server);
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
        await waitFor(() =>
          expect(
            lines.some((l) => l.includes('"watch.ready"')),
            'the watch',
          ).toBe(true),
        );
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
