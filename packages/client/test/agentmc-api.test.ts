import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  AgentMCApi,
  AgentMCClientError,
  AgentMCNetworkError,
  AgentMCUnexpectedResponseError,
  createApiClient,
  DEFAULT_BASE_URL,
  retryAfterMs,
} from '@agentmc/api';
import { freePort, TIMESTAMP, useWorld } from '@agentmc/testkit';
import { startStubServer } from './helpers.js';

// One server for the file (each test makes its own team, agent and person on it), and one that
// allows two requests a minute per key.
const world = useWorld({}, { shared: true });
const rateLimitedWorld = useWorld({ config: { rateLimitPerMinute: 2 } }, { shared: true });

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('configuration', () => {
  it('takes the key and base URL from the options first', async () => {
    const w = world();
    vi.stubEnv('AGENTMC_API_KEY', 'amc_from_the_environment');
    vi.stubEnv('AGENTMC_BASE_URL', 'http://127.0.0.1:9/api/v1');
    const api = new AgentMCApi({ apiKey: w.agent.key, baseUrl: `${w.server.baseUrl}/` });
    expect(api.baseUrl).toBe(w.server.baseUrl);
    const result = await api.operations.listAgentRealtimeRequestedSessions();
    expect(result).toMatchObject({ status: 200, data: { data: [] }, error: undefined });
  });

  it('falls back to AGENTMC_API_KEY and AGENTMC_BASE_URL', async () => {
    const w = world();
    vi.stubEnv('AGENTMC_API_KEY', w.agent.key);
    vi.stubEnv('AGENTMC_BASE_URL', w.server.baseUrl);
    const result = await new AgentMCApi().operations.listAgentRealtimeRequestedSessions();
    expect(result.status).toBe(200);
  });

  it('defaults to http://localhost:3000/api/v1', () => {
    vi.stubEnv('AGENTMC_BASE_URL', '');
    expect(DEFAULT_BASE_URL).toBe('http://localhost:3000/api/v1');
    expect(new AgentMCApi().baseUrl).toBe(DEFAULT_BASE_URL);
  });

  it('sends no key when it has none: the API answers 401', async () => {
    const w = world();
    vi.stubEnv('AGENTMC_API_KEY', '');
    const result = await new AgentMCApi({
      baseUrl: w.server.baseUrl,
    }).operations.listAgentRealtimeRequestedSessions();
    expect(result.status).toBe(401);
  });
});

describe('results', () => {
  it('on 2xx: data is the body, error undefined', async () => {
    const w = world();
    const session = await w.server.fixtures.session({ agentId: w.agent.id });
    const api = new AgentMCApi({
      apiKey: w.agent.key,
      baseUrl: w.server.baseUrl,
      validateResponse: true,
    });
    const result = await api.operations.claimAgentRealtimeSession({
      params: { path: { session: session.id } },
      body: {},
    });
    expect(result.status).toBe(200);
    expect(result.error).toBeUndefined();
    expect(result.data?.data).toMatchObject({
      id: session.id,
      status: 'claimed',
      claimed_at: expect.stringMatching(TIMESTAMP),
    });
    expect(result.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('on an error status: error is the envelope, data undefined', async () => {
    const w = world();
    const other = await w.server.fixtures.agent(w.team.id);
    const othersSession = await w.server.fixtures.session({ agentId: other.id });
    const api = new AgentMCApi({ apiKey: w.agent.key, baseUrl: w.server.baseUrl });

    const missing = await api.operations.claimAgentRealtimeSession({
      params: { path: { session: 999 } },
    });
    expect(missing).toMatchObject({
      status: 404,
      data: undefined,
      error: { error: { code: 'resource.not_found' } },
    });

    const forbidden = await api.operations.claimAgentRealtimeSession({
      params: { path: { session: othersSession.id } },
    });
    expect(forbidden).toMatchObject({
      status: 403,
      data: undefined,
      error: { error: { code: 'auth.forbidden' } },
    });

    const invalid = await api.operations.listAgentRealtimeRequestedSessions({
      params: { query: { limit: 101 } },
    });
    expect(invalid).toMatchObject({
      status: 422,
      data: undefined,
      error: {
        error: { code: 'validation.failed', details: { fields: { limit: [expect.any(String)] } } },
      },
    });
  });

  it('narrows on status the way the seeds check error', async () => {
    const w = world();
    const api = new AgentMCApi({ apiKey: w.agent.key, baseUrl: w.server.baseUrl });
    const result = await api.operations.claimAgentRealtimeSession({
      params: { path: { session: 1 } },
      body: {},
    });
    if (result.error) {
      expect(result.status).toBe(404);
      expect(result.error.error.code).toBe('resource.not_found');
    } else {
      expect.fail(`expected an error, got ${result.status}`);
    }
  });

  it('shows Retry-After on 429', async () => {
    const limited = rateLimitedWorld();
    const api = new AgentMCApi({ apiKey: limited.agent.key, baseUrl: limited.server.baseUrl });
    const results = [];
    for (let i = 0; i < 3; i++) {
      results.push(await api.operations.listAgentRealtimeRequestedSessions());
    }
    expect(results.map((r) => r.status)).toEqual([200, 200, 429]);
    const last = results[2]!;
    expect(last.error).toMatchObject({ error: { code: 'rate_limited' } });
    expect(last.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    expect(retryAfterMs(last.headers)).toBe(Number(last.headers.get('retry-after')) * 1000);
  });

  it('sends the Idempotency-Key header: a repeated claim with the same key answers 200', async () => {
    const w = world();
    const session = await w.server.fixtures.session({ agentId: w.agent.id });
    const api = new AgentMCApi({ apiKey: w.agent.key, baseUrl: w.server.baseUrl });
    const claim = (key: string) =>
      api.operations.claimAgentRealtimeSession({
        params: { path: { session: session.id } },
        body: {},
        headers: { 'idempotency-key': key },
      });
    expect((await claim('claim-1')).status).toBe(200);
    expect((await claim('claim-1')).status).toBe(200);
    expect((await claim('claim-2')).status).toBe(409);
  });

  it('createRealtimeSession with a user key answers 201 with the requested session', async () => {
    const w = world();
    const person = new AgentMCApi({ apiKey: w.user.key, baseUrl: w.server.baseUrl });
    const result = await person.operations.createRealtimeSession({
      body: { agent_id: w.agent.id, meta: { topic: 'billing' }, ttl_seconds: 60 },
    });
    expect(result).toMatchObject({
      status: 201,
      data: {
        data: {
          agent_id: w.agent.id,
          requested_by_user_id: w.user.id,
          status: 'requested',
          meta: { topic: 'billing' },
        },
      },
    });
  });
});

describe('createApiClient (low level)', () => {
  it('answers ts-rest’s { status, body, headers }', async () => {
    const w = world();
    await w.server.fixtures.session({ agentId: w.agent.id });
    const client = createApiClient({
      baseUrl: w.server.baseUrl,
      apiKey: w.agent.key,
      validateResponse: true,
    });
    const response = await client.listAgentRealtimeRequestedSessions({ query: { limit: 1 } });
    expect(response.status).toBe(200);
    if (response.status === 200) expect(response.body.data).toHaveLength(1);
    expect(response.headers).toBeInstanceOf(Headers);
  });
});

describe('when there is no response the contract describes', () => {
  it('a refused connection throws AgentMCNetworkError (network), never a made-up status', async () => {
    // A loopback port nothing listens on (it was free a moment ago).
    const baseUrl = `http://127.0.0.1:${await freePort()}/api/v1`;
    const api = new AgentMCApi({ apiKey: 'amc_x', baseUrl });
    const error = await api.operations.listAgentRealtimeRequestedSessions().catch((e) => e);
    expect(error).toBeInstanceOf(AgentMCNetworkError);
    expect(error).toBeInstanceOf(AgentMCClientError);
    expect(error).toMatchObject({
      reason: 'network',
      method: 'GET',
      url: `${baseUrl}/agents/realtime/sessions/requested`,
    });
    expect(error).not.toHaveProperty('status');
    expect(error.message).toMatch(/ECONNREFUSED/);
  });

  it('no answer within timeoutMs throws AgentMCNetworkError (timeout)', async () => {
    const hung = await startStubServer(() => undefined);
    try {
      const api = new AgentMCApi({ apiKey: 'amc_x', baseUrl: hung.baseUrl, timeoutMs: 100 });
      const error = await api.operations
        .claimAgentRealtimeSession({ params: { path: { session: 1 } }, body: {} })
        .catch((e) => e);
      expect(error).toBeInstanceOf(AgentMCNetworkError);
      expect(error.reason).toBe('timeout');
    } finally {
      await hung.close();
    }
  });

  it('the caller’s signal aborts with AgentMCNetworkError (aborted)', async () => {
    const hung = await startStubServer(() => undefined);
    try {
      const api = new AgentMCApi({ apiKey: 'amc_x', baseUrl: hung.baseUrl });
      const controller = new AbortController();
      const pending = api.operations.listAgentRealtimeRequestedSessions({
        signal: controller.signal,
      });
      setTimeout(() => controller.abort(), 50);
      const error = await pending.catch((e) => e);
      expect(error).toBeInstanceOf(AgentMCNetworkError);
      expect(error.reason).toBe('aborted');
    } finally {
      await hung.close();
    }
  });

  it('a status the operation never answers (a proxy’s 502) throws AgentMCUnexpectedResponseError', async () => {
    const proxy = await startStubServer((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html', 'retry-after': '3' });
      res.end('<h1>Bad gateway</h1>');
    });
    try {
      const api = new AgentMCApi({ apiKey: 'amc_x', baseUrl: proxy.baseUrl });
      const error = await api.operations.listAgentRealtimeRequestedSessions().catch((e) => e);
      expect(error).toBeInstanceOf(AgentMCUnexpectedResponseError);
      expect(error).toMatchObject({ status: 502, body: '<h1>Bad gateway</h1>' });
      expect(retryAfterMs(error.headers)).toBe(3000);
    } finally {
      await proxy.close();
    }
  });

  it('a listed status with a body that is not JSON throws AgentMCUnexpectedResponseError', async () => {
    const proxy = await startStubServer((_req, res) => {
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.end('upstream unavailable');
    });
    try {
      const api = new AgentMCApi({ apiKey: 'amc_x', baseUrl: proxy.baseUrl });
      const error = await api.operations.listAgentRealtimeRequestedSessions().catch((e) => e);
      expect(error).toBeInstanceOf(AgentMCUnexpectedResponseError);
      expect(error).toMatchObject({ status: 503, body: 'upstream unavailable' });
      expect(error.message).toMatch(/expected a JSON body/);
    } finally {
      await proxy.close();
    }
  });

  it('with validateResponse, a body that breaks the contract throws AgentMCUnexpectedResponseError', async () => {
    const impostor = await startStubServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data: [{ id: 'one' }] }));
    });
    try {
      const lenient = new AgentMCApi({ apiKey: 'amc_x', baseUrl: impostor.baseUrl });
      expect((await lenient.operations.listAgentRealtimeRequestedSessions()).status).toBe(200);

      const strict = new AgentMCApi({
        apiKey: 'amc_x',
        baseUrl: impostor.baseUrl,
        validateResponse: true,
      });
      const error = await strict.operations.listAgentRealtimeRequestedSessions().catch((e) => e);
      expect(error).toBeInstanceOf(AgentMCUnexpectedResponseError);
      expect(error.message).toMatch(/does not match the contract: data\.0\.id/);
    } finally {
      await impostor.close();
    }
  });
});

describe('retryAfterMs', () => {
  it('reads delta-seconds and HTTP dates, and ignores what it cannot read', () => {
    const now = Date.UTC(2026, 1, 22, 17, 21, 0);
    const at = (value: string) => retryAfterMs(new Headers({ 'retry-after': value }), now);
    expect(at('2')).toBe(2000);
    expect(at('0')).toBe(0);
    expect(at('Sun, 22 Feb 2026 17:21:05 GMT')).toBe(5000);
    expect(at('Sun, 22 Feb 2026 17:20:00 GMT')).toBe(0);
    expect(at('soon')).toBeUndefined();
    expect(retryAfterMs(new Headers(), now)).toBeUndefined();
    expect(at('999999')).toBe(3_600_000);
  });
});
