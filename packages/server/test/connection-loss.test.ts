import {
  PG_TEST_URL,
  fixtures,
  openMigrated,
  startFaultProxy,
  storeKinds,
  testDatabase,
  waitFor,
  type FaultProxy,
  type TestDatabase,
} from '@agentmc/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, listen, openStore, type Store, type RunningServer } from '../src/index.js';

const kinds = await storeKinds();

describe.runIf(kinds.includes('postgres'))('PostgreSQL connection loss', () => {
  let database: TestDatabase;
  let proxy: FaultProxy;
  let store: Store;
  let running: RunningServer;
  let agentKey: string;

  beforeAll(async () => {
    database = testDatabase('postgres');
    proxy = await startFaultProxy(PG_TEST_URL);
    store = await openMigrated(PG_TEST_URL, () =>
      openStore({ databaseUrl: proxy.url, schema: database.schema! }),
    );
    const app = createApp(
      { sessionTtlSeconds: 600, rateLimitPerMinute: 0, validateResponses: true, bodyLimit: '64kb' },
      { store },
    );
    running = await listen(app, { port: 0, host: '127.0.0.1', shutdownGraceSeconds: 1 });
    const f = fixtures(store);
    const team = await f.team();
    const agent = await f.agent(team.id);
    agentKey = agent.key;
    await f.session({ agentId: agent.id });
  });

  afterAll(async () => {
    proxy?.restore();
    await running?.close();
    await store?.close();
    await proxy?.close();
    await database?.drop();
  });

  const list = () =>
    fetch(`${running.origin}/api/v1/agents/realtime/sessions/requested`, {
      headers: { 'X-Api-Key': agentKey },
    });

  it('answers 503 service.unavailable with Retry-After while the database is gone', async () => {
    expect((await list()).status).toBe(200);
    proxy.refuse();
    const res = await list();
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('service.unavailable');
    expect(JSON.stringify(body)).not.toMatch(/ECONN|terminated|at .*\.js/);
  });

  it('reports not ready on /readyz, but alive on /healthz', async () => {
    const ready = await fetch(`${running.origin}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { error: { code: string } }).error.code).toBe(
      'service.unavailable',
    );
    expect((await fetch(`${running.origin}/healthz`)).status).toBe(200);
  });

  it('recovers by itself once the database is back, without a restart', async () => {
    proxy.restore();
    await waitFor(async () => expect((await list()).status).toBe(200), { interval: 100 });
    expect((await fetch(`${running.origin}/readyz`)).status).toBe(200);
  });
});
