import { TestSocket, send, storeKinds } from '@agentmc/testkit';
import { describe, expect, it } from 'vitest';
import { useWorld } from '../helpers.js';

/** One sample of the Prometheus text format: `name{label="value",…} number`. */
interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

function parseExposition(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1]!, type[2]!);
    const sample = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample) continue;
    const labels = Object.fromEntries(
      [...(sample[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]),
    );
    samples.push({ name: sample[1]!, labels, value: Number(sample[3]) });
  }
  return { samples, types };
}

/** The value of the one sample of `name` whose labels include `labels` (undefined: none). */
const valueOf = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.find(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  )?.value;

describe.each(await storeKinds())('GET /metrics on METRICS_PORT (%s)', (kind) => {
  const world = useWorld(kind);

  async function scrape() {
    const reply = await send(`${world().server.metricsOrigin}/metrics`, 'GET');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parseExposition(reply.text);
  }

  it('counts requests, claims, dispatch, sockets, signals and sessions after real traffic', async () => {
    const { api, agent, user, team, server } = world();
    const other = await server.fixtures.agent(team.id);

    // A person requests a session; the agent lists and claims it, then connects and talks.
    const created = await api.post('/realtime/sessions', {
      key: user.key,
      json: { agent_id: agent.id },
    });
    expect(created.status).toBe(201);
    const id = created.body.data.id as number;
    expect((await api.get('/agents/realtime/sessions/requested', { key: agent.key })).status).toBe(
      200,
    );
    const claim = `/agents/realtime/sessions/${id}/claim`;
    const won = await api.post(claim, { key: agent.key, json: {} });
    expect(won.status).toBe(200);
    expect((await api.post(claim, { key: agent.key, json: {} })).status).toBe(409);
    expect((await api.post(claim, { key: other.key, json: {} })).status).toBe(403);
    expect((await api.post(claim, { key: 'amc_nobody', json: {} })).status).toBe(401);
    expect((await api.get('/no/such/route', { key: agent.key })).status).toBe(404);

    const socket = await TestSocket.open(won.body.data.socket.url as string);
    await socket.next('ready');
    const watchTicket = await api.post('/agents/realtime/watch', { key: agent.key, json: {} });
    const watch = await TestSocket.watch(watchTicket.body.data.url as string);
    await watch.next('ready');
    const sent = await api.post(`/agents/realtime/sessions/${id}/signals`, {
      key: agent.key,
      json: { type: 'message', payload: { text: 'hello' } },
    });
    expect(sent.status).toBe(201);

    const { samples, types } = await scrape();
    const requests = (route: string, method: string, status: string) =>
      valueOf(samples, 'agentmc_http_requests_total', { route, method, status });
    expect(requests('/api/v1/realtime/sessions', 'POST', '201')).toBe(1);
    expect(requests('/api/v1/agents/realtime/sessions/requested', 'GET', '200')).toBe(1);
    // Routes are labelled as the contract writes them, never with the session's id.
    expect(requests('/api/v1/agents/realtime/sessions/:session/claim', 'POST', '200')).toBe(1);
    expect(requests('/api/v1/agents/realtime/sessions/:session/claim', 'POST', '409')).toBe(1);
    expect(requests('/api/v1/agents/realtime/sessions/:session/claim', 'POST', '403')).toBe(1);
    expect(requests('/api/v1/agents/realtime/sessions/:session/claim', 'POST', '401')).toBe(1);
    expect(requests('unmatched', 'GET', '404')).toBe(1);
    expect(samples.filter((s) => /sessions\/\d/.test(s.labels.route ?? ''))).toEqual([]);
    expect(types.get('agentmc_http_request_duration_seconds')).toBe('histogram');
    expect(
      valueOf(samples, 'agentmc_http_request_duration_seconds_count', {
        route: '/api/v1/agents/realtime/sessions/:session/claim',
        status: '200',
      }),
    ).toBe(1);

    // The 403 is another agent's session, not a lost race: only the 409 is a lost claim.
    expect(valueOf(samples, 'agentmc_claims_total', { outcome: 'won' })).toBe(1);
    expect(valueOf(samples, 'agentmc_claims_total', { outcome: 'lost' })).toBe(1);
    expect(types.get('agentmc_dispatch_latency_seconds')).toBe('histogram');
    expect(valueOf(samples, 'agentmc_dispatch_latency_seconds_count')).toBe(1);

    expect(valueOf(samples, 'agentmc_open_sockets', { kind: 'session' })).toBe(1);
    expect(valueOf(samples, 'agentmc_open_sockets', { kind: 'watch' })).toBe(1);
    // The agent's message, and the system's status signals: claimed, then active.
    expect(valueOf(samples, 'agentmc_signals_written_total', { sender: 'agent' })).toBe(1);
    expect(valueOf(samples, 'agentmc_signals_written_total', { sender: 'system' })).toBe(2);
    expect(valueOf(samples, 'agentmc_sessions', { status: 'active' })).toBe(1);
    expect(valueOf(samples, 'agentmc_sessions', { status: 'requested' })).toBe(0);
    expect(valueOf(samples, 'agentmc_db_statement_errors_total')).toBe(0);
    if (kind === 'postgres') {
      expect(valueOf(samples, 'agentmc_db_pool_connections', { state: 'total' })).toBeGreaterThan(
        0,
      );
    }
    // The default process metrics.
    expect(valueOf(samples, 'process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(valueOf(samples, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });

  it('is not on the public API port, at the root or under /api/v1', async () => {
    const { server } = world();
    expect((await send(`${server.origin}/metrics`, 'GET')).status).toBe(404);
    expect((await send(`${server.baseUrl}/metrics`, 'GET')).status).toBe(404);
    expect((await send(`${server.metricsOrigin}/api/v1/openapi.json`, 'GET')).status).toBe(404);
  });
});
