import { Writable } from 'node:stream';
import { createOpenApiDocument } from '@agentmc/contract';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { apiOf, expectError, fieldErrors, send, storeKinds } from '@agentmc/testkit';
import { createApp, listen, type RunningServer } from '../src/app.js';
import { hashApiKey } from '../src/lib/api-keys.js';
import type { Store } from '../src/store/store.js';
import { useWorld } from './helpers.js';

const LIST = '/agents/realtime/sessions/requested';

describe.each(await storeKinds())('the error envelope, from every path (%s)', (kind) => {
  const world = useWorld(kind, {}, { shared: true });

  it('answers 404 resource.not_found for an unknown route under /api/v1, with or without a key', async () => {
    const { api, agent } = world();
    expectError(await api.get('/no/such/route'), 404, 'resource.not_found');
    expectError(await api.get('/no/such/route', { key: agent.key }), 404, 'resource.not_found');
  });

  it('answers 404 resource.not_found for an unknown route outside /api/v1', async () => {
    const { server } = world();
    expectError(await send(`${server.origin}/`, 'GET'), 404, 'resource.not_found');
    expectError(await send(`${server.origin}/nope.html`, 'GET'), 404, 'resource.not_found');
    expectError(await send(`${server.origin}/api/v2${LIST}`, 'GET'), 404, 'resource.not_found');
  });

  it('answers 404 resource.not_found for a known path with a method it does not have', async () => {
    const { api, agent } = world();
    expectError(await api.post(LIST, { key: agent.key, json: {} }), 404, 'resource.not_found');
    expectError(
      await api.send('DELETE', '/agents/realtime/sessions/1/claim', { key: agent.key }),
      404,
      'resource.not_found',
    );
  });

  it('answers 422 validation.failed with details.fields.path for malformed percent-encoding', async () => {
    const { api, agent } = world();
    for (const path of [
      '/agents/realtime/sessions/%FF/claim',
      '/agents/realtime/sessions/%E0%A4%A/signals',
    ]) {
      const reply = await api.post(path, { key: agent.key, json: {} });
      expectError(reply, 422, 'validation.failed');
      expect(fieldErrors(reply)).toEqual({ path: ['Must be valid percent-encoded UTF-8.'] });
    }
  });

  it('answers 422 validation.failed with details.fields.body for malformed JSON', async () => {
    const { api, user, agent } = world();
    const reply = await api.post('/realtime/sessions', {
      key: user.key,
      body: `{"agent_id": ${agent.id},`,
      headers: { 'Content-Type': 'application/json' },
    });
    expect(fieldErrors(reply)).toEqual({ body: ['Must be valid JSON.'] });
  });

  it('answers 413 request.too_large for a body over 64kb', async () => {
    const { api, user, agent } = world();
    const reply = await api.post('/realtime/sessions', {
      key: user.key,
      json: { agent_id: agent.id, meta: { blob: 'x'.repeat(70 * 1024) } },
    });
    expectError(reply, 413, 'request.too_large');
  });

  it('accepts a body just under the limit', async () => {
    const { api, user, agent } = world();
    const reply = await api.post('/realtime/sessions', {
      key: user.key,
      json: { agent_id: agent.id, meta: { blob: 'x'.repeat(60 * 1024) } },
    });
    expect(reply.status).toBe(201);
  });

  it('gathers every failing part of a request into one 422', async () => {
    const { api, agent } = world();
    const reply = await api.post('/agents/realtime/sessions/abc/claim', {
      key: agent.key,
      json: [],
      headers: { 'Idempotency-Key': '' },
    });
    expect(Object.keys(fieldErrors(reply)).sort()).toEqual(['body', 'idempotency-key', 'session']);
  });

  it('puts a request id on every reply, errors included, echoing a sane X-Request-Id', async () => {
    const { api } = world();
    const mine = await api.get(LIST, { headers: { 'X-Request-Id': 'trace-123' } });
    const theirs = await api.get('/nope');
    expect(mine.headers.get('x-request-id')).toBe('trace-123');
    expect(theirs.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe.each(await storeKinds())('rate limiting, at 3 requests a minute per key (%s)', (kind) => {
  const world = useWorld(kind, { rateLimitPerMinute: 3 }, { shared: true });

  it('answers 429 rate_limited with Retry-After once a key has used its requests', async () => {
    const { api, agent } = world();
    for (let i = 0; i < 3; i++) expect((await api.get(LIST, { key: agent.key })).status).toBe(200);

    const reply = await api.get(LIST, { key: agent.key });

    expectError(reply, 429, 'rate_limited');
    const retryAfter = Number(reply.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
  });

  it('counts each key on its own', async () => {
    const { api, server, agent, user } = world();
    const second = await server.fixtures.agentKey(agent.id);
    for (let i = 0; i < 3; i++) await api.get(LIST, { key: agent.key });
    expect((await api.get(LIST, { key: second.key })).status).toBe(200);
    expect(
      (await api.post('/realtime/sessions', { key: user.key, json: { agent_id: agent.id } }))
        .status,
    ).not.toBe(429);
  });
});

describe.each(await storeKinds())('GET /api/v1/openapi.json (%s)', (kind) => {
  const world = useWorld(kind, {}, { shared: true });

  it('serves the document generated from the contract, without a key', async () => {
    const { api } = world();
    const reply = await api.get('/openapi.json');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
    expect(reply.body).toEqual(JSON.parse(JSON.stringify(createOpenApiDocument())));
    expect(reply.body.paths['/agents/realtime/sessions/requested'].get.operationId).toBe(
      'listAgentRealtimeRequestedSessions',
    );
    expect(reply.body.paths['/agents/realtime/sessions/{session}/claim'].post.operationId).toBe(
      'claimAgentRealtimeSession',
    );
  });
});

/**
 * A store whose every query fails the way a driver does, with a message full of SQL; only the
 * key lookup answers, so that requests get past authentication. A proxy, so that methods the
 * Store interface gains later fail the same way.
 */
function failingStore(): Store {
  const agentKeyHash = hashApiKey('amc_test-agent');
  const fail = async (): Promise<never> => {
    const error = new Error(
      'SQLITE_ERROR: no such column: secret_column in SELECT * FROM realtime_sessions WHERE agent_id = ?',
    );
    Object.assign(error, { code: 'SQLITE_ERROR' });
    throw error;
  };
  /** An aggregate whose every method fails, but for those given. */
  const failing = <T extends object>(answers: Partial<T> = {}): T =>
    new Proxy(answers as T, {
      get: (target, property) =>
        property in target || typeof property === 'symbol' || property === 'then'
          ? Reflect.get(target, property)
          : fail,
    });
  return {
    dialect: 'sqlite',
    identity: failing<Store['identity']>({
      findPrincipalByKeyHash: async (hash) =>
        hash === agentKeyHash
          ? {
              keyId: 1,
              keyPrefix: 'amc_test',
              teamId: 1,
              agentId: 1,
              userId: null,
              agentDisabled: false,
            }
          : undefined,
    }),
    sessions: failing(),
    signals: failing(),
    events: failing(),
    ping: fail,
    stats: () => ({ statementErrors: 0, pool: undefined }),
    close: async () => undefined,
  };
}

describe('an unexpected error', () => {
  let running: RunningServer | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  async function serve() {
    const lines: string[] = [];
    const logger = pino(
      { level: 'error' },
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    const app = createApp(
      { sessionTtlSeconds: 600, rateLimitPerMinute: 0, validateResponses: true, bodyLimit: '64kb' },
      { store: failingStore(), logger },
    );
    running = await listen(app, { port: 0, host: '127.0.0.1', shutdownGraceSeconds: 1 });
    return { api: apiOf(`${running.origin}/api/v1`), lines };
  }

  it('answers 500 internal, without stack trace or SQL in the body', async () => {
    const { api } = await serve();
    const reply = await api.get(LIST, { key: 'amc_test-agent' });
    const error = expectError(reply, 500, 'internal');
    expect(error).toEqual({ code: 'internal', message: 'Internal server error.' });
    expect(reply.text).not.toMatch(/SELECT|secret_column|SQLITE|\.ts:\d+|\bat \w/);
  });

  it('answers 500 internal from a mutation too', async () => {
    const { api } = await serve();
    const reply = await api.post('/agents/realtime/sessions/1/claim', {
      key: 'amc_test-agent',
      json: {},
    });
    expectError(reply, 500, 'internal');
    expect(reply.text).not.toMatch(/SELECT|secret_column/);
  });

  it('logs the error, with its request id', async () => {
    const { api, lines } = await serve();
    const reply = await api.get(LIST, {
      key: 'amc_test-agent',
      headers: { 'X-Request-Id': 'req-500' },
    });
    expect(reply.status).toBe(500);
    const logged = lines.map((line) => JSON.parse(line) as Record<string, any>);
    const entry = logged.find((l) => l.msg === 'request failed');
    expect(entry).toMatchObject({ req_id: 'req-500', code: 'internal' });
    expect(entry?.err?.message).toContain('secret_column');
  });

  it('answers 503 service.unavailable with Retry-After from /readyz when the store does not answer', async () => {
    await serve();
    const reply = await send(`${running!.origin}/readyz`, 'GET');
    expectError(reply, 503, 'service.unavailable');
    expect(Number(reply.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe.each(await storeKinds())('a store closed under the app (%s)', (kind) => {
  const world = useWorld(kind);

  it('answers 500 internal in the envelope, never HTML, never a stack', async () => {
    const { api, server, agent } = world();
    await server.store.close();
    const reply = await api.get(LIST, { key: agent.key });
    expectError(reply, 500, 'internal');
    expect(reply.text).not.toMatch(/\bat \w|select|\.js:\d+/i);
  });
});
