import { Writable } from 'node:stream';
import { apiOf, send } from '@agentmc/testkit';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, listen, type RunningServer } from '../../src/app.js';
import { useWorld } from '../helpers.js';

interface Line {
  level: number;
  msg: string;
  url?: string;
  status?: number;
  principal?: { key: string; agent_id?: number; user_id?: number };
  session_id?: number;
}

describe('the request log', () => {
  const world = useWorld('sqlite', {}, { shared: true });
  let running: RunningServer | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  /** A second app on the world's database whose log lines the test reads, at `level`. */
  async function logged(level: string) {
    const lines: Line[] = [];
    const logger = pino(
      { level },
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(JSON.parse(String(chunk)) as Line);
          done();
        },
      }),
    );
    const app = createApp(
      { sessionTtlSeconds: 600, rateLimitPerMinute: 0, validateResponses: true, bodyLimit: '64kb' },
      { store: world().server.store, logger, clock: world().clock },
    );
    running = await listen(app, { port: 0, host: '127.0.0.1', shutdownGraceSeconds: 1 });
    const requests = () => lines.filter((l) => l.msg === 'request');
    return { api: apiOf(`${running.origin}/api/v1`), origin: running.origin, requests };
  }

  it('names the principal (key prefix and agent id) and the session of an agent’s request', async () => {
    const { agent, user, server } = world();
    const { id } = await server.fixtures.session({ agentId: agent.id, userId: user.id });
    const { api, requests } = await logged('info');

    await api.post(`/agents/realtime/sessions/${id}/claim`, { key: agent.key, json: {} });

    await expect.poll(() => requests().length).toBe(1);
    expect(requests()[0]).toMatchObject({
      status: 200,
      principal: { key: agent.key.slice(0, 12), agent_id: agent.id },
      session_id: id,
    });
    expect(JSON.stringify(requests()[0])).not.toContain(agent.key);
  });

  it('names a person by user id, and no principal when the key was refused', async () => {
    const { user } = world();
    const { api, requests } = await logged('info');

    await api.get('/realtime/sessions', { key: user.key });
    await api.get('/realtime/sessions', { key: 'amc_unknown' });

    await expect.poll(() => requests().length).toBe(2);
    expect(requests()[0]).toMatchObject({ status: 200, principal: { user_id: user.id } });
    expect(requests()[0]!.principal!.key).toMatch(/^amc_/);
    expect(requests()[1]).toMatchObject({ status: 401 });
    expect(requests()[1]!.principal).toBeUndefined();
  });

  it('logs health checks at debug: absent at info, present at debug', async () => {
    const quiet = await logged('info');
    await send(`${quiet.origin}/healthz`, 'GET');
    await send(`${quiet.origin}/readyz`, 'GET');
    await quiet.api.get('/openapi.json');
    await expect.poll(() => quiet.requests().length).toBe(1);
    expect(quiet.requests()[0]!.url).toBe('/api/v1/openapi.json');
    await running?.close();

    const verbose = await logged('debug');
    await send(`${verbose.origin}/healthz`, 'GET');
    await send(`${verbose.origin}/readyz`, 'GET');
    await expect
      .poll(() => verbose.requests().map((l) => [l.url, l.level]))
      .toEqual([
        ['/healthz', 20],
        ['/readyz', 20],
      ]);
  });
});
