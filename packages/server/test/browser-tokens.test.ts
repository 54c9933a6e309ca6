import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  SEED_INSTANT,
  apiOf,
  expectError,
  fieldErrors,
  iso,
  serverForTest,
  storeKinds,
  world,
} from '@agentmc/testkit';
import { describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/run-cli.js';
import { useWorld } from './helpers.js';

const TOKENS = '/realtime/tokens';
const bearer = (token: string) => ({ headers: { Authorization: `Bearer ${token}` } });

describe.each(await storeKinds())('POST /realtime/tokens: browser tokens (%s)', (kind) => {
  const world = useWorld(kind, {}, { shared: true });

  async function mint(key: string, json: unknown = {}) {
    const reply = await world().api.post(TOKENS, { key, json });
    expect(reply.status).toBe(201);
    return reply.body.data as { token: string; expires_at: string };
  }

  it('answers 201 {"data": {token, expires_at}}: a token for the user, for 15 minutes by default', async () => {
    const { api, user } = world();
    const reply = await api.post(TOKENS, { key: user.key, json: {} });
    expect(reply.status).toBe(201);
    expect(reply.body).toEqual({
      data: {
        token: expect.stringMatching(/^amt_\d+_[\w-]{43}$/),
        expires_at: iso(SEED_INSTANT + 900),
      },
    });
    // The token says when it expires, so that a client can refresh it in time.
    expect(reply.body.data.token).toMatch(new RegExp(`^amt_${SEED_INSTANT + 900}_`));
  });

  it('honours ttl_seconds from 60 s to 1 h; anything else is a 422', async () => {
    const { api, user } = world();
    expect((await mint(user.key, { ttl_seconds: 3600 })).expires_at).toBe(iso(SEED_INSTANT + 3600));
    expect((await mint(user.key, { ttl_seconds: 60 })).expires_at).toBe(iso(SEED_INSTANT + 60));
    for (const ttl_seconds of [59, 3601, 1.5, '600']) {
      const reply = await api.post(TOKENS, { key: user.key, json: { ttl_seconds } });
      expectError(reply, 422, 'validation.failed');
      expect(Object.keys(fieldErrors(reply))).toEqual(['ttl_seconds']);
    }
  });

  it('works as Authorization: Bearer on the person’s routes: agents, request, read, signals, close', async () => {
    const { api, user, agent } = world();
    const { token } = await mint(user.key);
    const agents = await api.get('/realtime/agents', bearer(token));
    expect(agents.status).toBe(200);
    expect(agents.body.data.map((a: { id: number }) => a.id)).toContain(agent.id);

    const created = await api.post('/realtime/sessions', {
      ...bearer(token),
      json: { agent_id: agent.id },
    });
    expect(created.status).toBe(201);
    expect(created.body.data.requested_by_user_id).toBe(user.id);
    const id = created.body.data.id as number;
    expect(created.body.data.socket.url).toMatch(/\?ticket=/);
    expect((await api.get(`/realtime/sessions/${id}`, bearer(token))).status).toBe(200);
    const sent = await api.post(`/realtime/sessions/${id}/signals`, {
      ...bearer(token),
      json: { type: 'message', payload: { type: 'chat.user', payload: { content: 'hi' } } },
    });
    expect(sent.status).toBe(201);
    expect(sent.body.data.sender).toBe('browser');
    const closed = await api.post(`/realtime/sessions/${id}/close`, { ...bearer(token), json: {} });
    expect(closed.body.data.status).toBe('closed');
  });

  it('is refused on the agent’s routes (403) and cannot mint another token (403)', async () => {
    const { api, user } = world();
    const { token } = await mint(user.key);
    expectError(
      await api.get('/agents/realtime/sessions/requested', bearer(token)),
      403,
      'auth.forbidden',
    );
    expectError(
      await api.post('/agents/realtime/watch', { ...bearer(token), json: {} }),
      403,
      'auth.forbidden',
    );
    const again = await api.post(TOKENS, { ...bearer(token), json: {} });
    expectError(again, 403, 'auth.forbidden');
    expect(again.body.error.message).toMatch(/not a browser token/);
  });

  it('is minted only with a user key: an agent key is 403, no key or a made-up token 401', async () => {
    const { api, agent } = world();
    expectError(await api.post(TOKENS, { key: agent.key, json: {} }), 403, 'auth.forbidden');
    expectError(await api.post(TOKENS, { json: {} }), 401, 'auth.unauthenticated');
    const madeUp = `amt_${SEED_INSTANT + 900}_${'A'.repeat(43)}`;
    expectError(await api.get('/realtime/agents', bearer(madeUp)), 401, 'auth.unauthenticated');
  });

  it('ends when it expires', async () => {
    const { api, user, clock } = world();
    const { token } = await mint(user.key, { ttl_seconds: 60 });
    clock.advance(60);
    expect((await api.get('/realtime/agents', bearer(token))).status).toBe(200);
    clock.advance(1);
    expectError(await api.get('/realtime/agents', bearer(token)), 401, 'auth.unauthenticated');
  });

  it('ends when the key it was minted with is revoked; other keys’ tokens live on', async () => {
    const { api, user, server } = world();
    const second = await server.fixtures.user(world().team.id);
    const { token } = await mint(user.key);
    const { token: other } = await mint(second.key);
    await server.fixtures.revokeKey(user.keyId);
    expectError(await api.get('/realtime/agents', bearer(token)), 401, 'auth.unauthenticated');
    expect((await api.get('/realtime/agents', bearer(other))).status).toBe(200);
  });

  it('ends when the user is removed, as does the user’s key', async () => {
    const { api, user, server } = world();
    const { token } = await mint(user.key);
    await server.fixtures.removeUser(user.id);
    expectError(await api.get('/realtime/agents', bearer(token)), 401, 'auth.unauthenticated');
    expectError(await api.get('/realtime/agents', { key: user.key }), 401, 'auth.unauthenticated');
  });
});

describe('pnpm admin token create / user remove', () => {
  it('mints a token through the user’s newest key, with the console URL carrying it; user remove ends it', async () => {
    const server = await serverForTest();
    const { user, agent } = await world(server);
    const env = {
      DATABASE_URL: server.databaseUrl,
      AGENTMC_BASE_URL: server.baseUrl,
      LOG_LEVEL: 'silent',
    };
    const cli = async (...argv: string[]) => {
      let out = '';
      let err = '';
      const code = await runCli(argv, env, { out: (t) => (out += t), err: (t) => (err += t) });
      return { code, out, err };
    };

    const created = await cli('token', 'create', '--user', String(user.id), '--ttl', '600');
    expect(created.code).toBe(0);
    const printed = JSON.parse(created.out) as {
      token: string;
      expires_at: string;
      console_url: string;
    };
    expect(printed.token).toMatch(/^amt_/);
    expect(printed.console_url).toBe(
      `${server.origin}/#token=${encodeURIComponent(printed.token)}`,
    );
    const api = apiOf(server.baseUrl);
    expect((await api.get('/realtime/agents', bearer(printed.token))).status).toBe(200);

    expect((await cli('token', 'create', '--user', String(agent.id + 1000))).code).toBe(1);
    expect((await cli('token', 'create', '--user', String(user.id), '--ttl', '10')).code).toBe(2);

    const removed = await cli('user', 'remove', '--id', String(user.id));
    expect(removed.code).toBe(0);
    expect(JSON.parse(removed.out)).toMatchObject({ id: user.id, removed_at: expect.any(String) });
    expectError(
      await api.get('/realtime/agents', bearer(printed.token)),
      401,
      'auth.unauthenticated',
    );
    const again = await cli('token', 'create', '--user', String(user.id));
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/not found/);
  });
});

describe('CORS_ORIGINS', () => {
  const ORIGIN = 'https://app.example.com';

  const preflight = (baseUrl: string, origin: string) =>
    fetch(`${baseUrl}/realtime/sessions`, {
      method: 'OPTIONS',
      headers: {
        Origin: origin,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization,content-type,idempotency-key',
      },
    });

  it('answers a preflight from an allowed origin with that origin and the client’s headers, never *', async () => {
    const server = await serverForTest({
      config: { corsOrigins: [ORIGIN, 'http://localhost:5173'] },
    });
    const reply = await preflight(server.baseUrl, ORIGIN);
    expect(reply.status).toBe(204);
    expect(reply.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(reply.headers.get('access-control-allow-credentials')).toBeNull();
    expect(reply.headers.get('vary')).toMatch(/Origin/);
    const allowed = (reply.headers.get('access-control-allow-headers') ?? '').toLowerCase();
    for (const header of ['authorization', 'content-type', 'idempotency-key', 'x-api-key']) {
      expect(allowed).toContain(header);
    }
    expect(reply.headers.get('access-control-allow-methods')).toMatch(/POST/);

    // The real request carries the origin too, and exposes Retry-After to the page.
    const { user } = await world(server);
    const listed = await fetch(`${server.baseUrl}/realtime/agents`, {
      headers: { Origin: ORIGIN, 'X-Api-Key': user.key },
    });
    expect(listed.status).toBe(200);
    expect(listed.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(listed.headers.get('access-control-expose-headers')).toMatch(/Retry-After/);
  });

  it('gives another origin no CORS headers, and none at all when no origin is configured', async () => {
    const server = await serverForTest({ config: { corsOrigins: [ORIGIN] } });
    const other = await preflight(server.baseUrl, 'https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();

    const closed = await serverForTest();
    const none = await preflight(closed.baseUrl, ORIGIN);
    expect(none.headers.get('access-control-allow-origin')).toBeNull();
    expectError(
      { status: none.status, headers: none.headers, text: '', body: await none.json() },
      404,
      'resource.not_found',
    );
  });
});

describe('the web console at /', () => {
  it('is served from its built files when they exist, beside the API', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentmc-console-'));
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>AgentMC console</title>');
    try {
      const server = await serverForTest({ config: { webConsoleDir: dir } });
      const page = await fetch(`${server.origin}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      expect(await page.text()).toContain('AgentMC console');
      expect((await fetch(`${server.baseUrl}/openapi.json`)).status).toBe(200);
      const missing = await fetch(`${server.origin}/nope.js`);
      expect(missing.status).toBe(404);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
