import { AgentMCApi } from '@agentmc/api';
import { inspect, waitFor } from '@agentmc/testkit';
import { describe, expect, it } from 'vitest';
import { AgentAuthError, Backoff, type SessionHandler } from '../src/index.js';
import { recordingFetch, requestSession, urlOf, useHarness } from './helpers.js';

const harness = useHarness();

const isClaim = (r: { method: string; url: string }) =>
  r.method === 'POST' && r.url.endsWith('/claim');
const isList = (r: { method: string; url: string }) =>
  r.method === 'GET' && r.url.includes('/agents/realtime/sessions/requested');

describe('two sample agents, two keys of one agent, one server', () => {
  it('claim each of 40 requested sessions exactly once, and all 40', async () => {
    const server = await harness.server();
    const team = await server.fixtures.team();
    const agent = await server.fixtures.agent(team.id);
    const secondKey = await server.fixtures.agentKey(agent.id);
    const ids: number[] = [];
    for (let i = 0; i < 40; i++)
      ids.push((await server.fixtures.session({ agentId: agent.id })).id);

    const a = harness.agent(server, agent.key);
    const b = harness.agent(server, secondKey.key);
    const running = [a.agent.start(), b.agent.start()];
    const claimed = () => a.handler.sessions.length + b.handler.sessions.length;
    await waitFor(() => expect(claimed(), '40 claims').toBeGreaterThanOrEqual(40), {
      timeout: 20_000,
    });
    await Promise.all([a.agent.stop(), b.agent.stop()]);
    await Promise.all(running);

    const won = [...a.handler.sessions, ...b.handler.sessions].map((s) => s.id);
    expect(won).toHaveLength(40);
    expect(new Set(won).size).toBe(40);
    expect([...won].sort((x, y) => x - y)).toEqual(ids);
    for (const id of ids) {
      expect((await inspect(server.database).session(id))?.status).toBe('claimed');
    }

    // Every win is logged once, every claim carries an Idempotency-Key.
    for (const one of [a, b]) {
      const logged = one.logger.entries.filter((e) => e.event === 'session.claimed');
      expect(logged.map((e) => e.fields.session_id)).toEqual(one.handler.sessions.map((s) => s.id));
      const claims = one.fetch.requests.filter(isClaim);
      expect(claims.every((r) => r.headers.get('idempotency-key'))).toBe(true);
      // Lost races are 409s, never errors.
      expect(claims.map((r) => r.status).every((s) => s === 200 || s === 409)).toBe(true);
    }
  });
});

describe('claiming', () => {
  it('claims newest first', async () => {
    const server = await harness.server();
    const team = await server.fixtures.team();
    const agent = await server.fixtures.agent(team.id);
    const now = server.clock();
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await server.fixtures.session({ agentId: agent.id, now: now + i })).id);
    }
    const a = harness.agent(server, agent.key);
    void a.agent.start();
    await waitFor(() => expect(a.handler.sessions).toHaveLength(5));
    expect(a.handler.sessions.map((s) => s.id)).toEqual([...ids].reverse());
  });

  it('moves on when another claimer won the session (409)', async () => {
    const server = await harness.server();
    const team = await server.fixtures.team();
    const agent = await server.fixtures.agent(team.id);
    const rival = new AgentMCApi({
      apiKey: (await server.fixtures.agentKey(agent.id)).key,
      baseUrl: server.baseUrl,
    });
    const older = await server.fixtures.session({ agentId: agent.id });
    const newer = await server.fixtures.session({ agentId: agent.id });
    // The rival claims the newest session between the agent's list and its claim.
    let raced = false;
    const a = harness.agent(server, agent.key, {
      api: new AgentMCApi({
        apiKey: agent.key,
        baseUrl: server.baseUrl,
        fetch: async (input, init) => {
          if (!raced && isClaim({ method: init?.method ?? 'GET', url: urlOf(input) })) {
            raced = true;
            await rival.operations.claimAgentRealtimeSession({
              params: { path: { session: newer.id } },
            });
          }
          return fetch(input, init);
        },
      }),
    });
    void a.agent.start();
    await waitFor(() => expect(a.handler.sessions).toHaveLength(1));
    expect(a.handler.sessions[0]!.id).toBe(older.id);
    expect(a.logger.entries.find((e) => e.event === 'session.lost')?.fields).toMatchObject({
      session_id: newer.id,
      status: 409,
      code: 'realtime_session.not_claimable',
      details: { status: 'claimed' },
    });
  });

  it('repeats a claim whose answer was lost with the same Idempotency-Key, and wins it once', async () => {
    const server = await harness.server();
    const team = await server.fixtures.team();
    const agent = await server.fixtures.agent(team.id);
    const session = await server.fixtures.session({ agentId: agent.id });
    const claims: { key: string | null; status: number }[] = [];
    const a = harness.agent(server, agent.key, {
      api: new AgentMCApi({
        apiKey: agent.key,
        baseUrl: server.baseUrl,
        // The first claim reaches the server and wins, then the connection drops.
        fetch: async (input, init) => {
          const response = await fetch(input, init);
          if (isClaim({ method: init?.method ?? 'GET', url: urlOf(input) })) {
            claims.push({
              key: new Headers(init?.headers).get('idempotency-key'),
              status: response.status,
            });
            if (claims.length === 1) throw new TypeError('fetch failed: connection reset');
          }
          return response;
        },
      }),
    });
    void a.agent.start();
    await waitFor(() => expect(a.handler.sessions).toHaveLength(1));
    expect(claims).toHaveLength(2);
    expect(claims[0]!.key).toMatch(/\S/);
    expect(claims[1]).toEqual({ key: claims[0]!.key, status: 200 });
    expect(a.handler.sessions.map((s) => s.id)).toEqual([session.id]);
    expect(a.logger.entries.some((e) => e.event === 'claim.unreachable')).toBe(true);
  });

  it('a handler that throws is logged and the agent carries on', async () => {
    const server = await harness.server();
    const team = await server.fixtures.team();
    const agent = await server.fixtures.agent(team.id);
    const first = await server.fixtures.session({ agentId: agent.id });
    const handled: number[] = [];
    const handler: SessionHandler = {
      onClaimed(session) {
        handled.push(session.id);
        if (session.id === first.id) throw new Error('handler broke');
      },
    };
    const a = harness.agent(server, agent.key, { handler });
    void a.agent.start();
    await waitFor(() => expect(handled).toHaveLength(1));
    // Requested by a person through the API: the watch pushes it.
    const second = await requestSession(server, agent.id);
    await waitFor(() => expect(handled).toHaveLength(2));
    expect(handled).toEqual([first.id, second.id]);
    expect(a.logger.entries.find((e) => e.event === 'session.handler_failed')?.fields).toEqual({
      session_id: first.id,
      error: 'handler broke',
    });
  });
});

describe('401 and 403 stop the agent with a clear error', () => {
  it('401: a key the API does not know', async () => {
    const server = await harness.server();
    const a = harness.agent(server, 'amc_not_a_real_key');
    const error = await a.agent.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentAuthError);
    expect(error).toMatchObject({ status: 401, code: 'auth.unauthenticated' });
    expect((error as Error).message).toMatch(/rejected the API key.*AGENTMC_API_KEY/);
    expect(a.logger.entries.at(-1)?.event).toBe('agent.stopped');
  });

  it('403: the agent is disabled', async () => {
    const server = await harness.server();
    const team = await server.fixtures.team();
    const agent = await server.fixtures.agent(team.id);
    await server.fixtures.disableAgent(agent.id);
    const a = harness.agent(server, agent.key);
    const error = await a.agent.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentAuthError);
    expect(error).toMatchObject({ status: 403, code: 'auth.forbidden' });
    expect((error as Error).message).toMatch(/disabled/);
  });

  it('403: a person’s key, not an agent’s', async () => {
    const server = await harness.server();
    const team = await server.fixtures.team();
    const user = await server.fixtures.user(team.id);
    const a = harness.agent(server, user.key);
    await expect(a.agent.start()).rejects.toMatchObject({ name: 'AgentAuthError', status: 403 });
  });

  it('403 on a claim: the agent was disabled between the list and the claim', async () => {
    const server = await harness.server();
    const team = await server.fixtures.team();
    const agent = await server.fixtures.agent(team.id);
    await server.fixtures.session({ agentId: agent.id });
    const a = harness.agent(server, agent.key, {
      api: new AgentMCApi({
        apiKey: agent.key,
        baseUrl: server.baseUrl,
        fetch: async (input, init) => {
          if (isClaim({ method: init?.method ?? 'GET', url: urlOf(input) })) {
            await server.fixtures.disableAgent(agent.id);
          }
          return fetch(input, init);
        },
      }),
    });
    await expect(a.agent.start()).rejects.toMatchObject({
      status: 403,
      operation: 'claimAgentRealtimeSession',
    });
    expect(a.handler.sessions).toEqual([]);
  });
});

describe('Retry-After', () => {
  it('on 429, the list poll waits as long as Retry-After says before its next request', async () => {
    // 60 a minute: once the burst is spent, the server asks for a 1 s wait.
    const server = await harness.server({ config: { rateLimitPerMinute: 60 } });
    const team = await server.fixtures.team();
    const agent = await server.fixtures.agent(team.id);
    const session = await server.fixtures.session({ agentId: agent.id });
    const sameKey = new AgentMCApi({ apiKey: agent.key, baseUrl: server.baseUrl });
    const drain = async () => {
      for (let i = 0; i < 100; i++) {
        const drained = await sameKey.operations.listAgentRealtimeRequestedSessions();
        if (drained.status === 429) break;
      }
    };

    // The list poll alone, so that every request recorded is the poll's. The burst is spent
    // just before the poll's first request goes out: a token comes back every second, and on
    // a busy machine starting the agent can take that long.
    const recorded = recordingFetch();
    let spent = false;
    const a = harness.agent(server, agent.key, {
      watch: false,
      api: new AgentMCApi({
        apiKey: agent.key,
        baseUrl: server.baseUrl,
        timeoutMs: 5_000,
        fetch: async (input, init) => {
          if (!spent) {
            spent = true;
            await drain();
          }
          return recorded(input, init);
        },
      }),
    });
    void a.agent.start();
    await waitFor(() => expect(a.handler.sessions, 'the claim').toHaveLength(1));
    expect(a.handler.sessions[0]!.id).toBe(session.id);

    const requests = recorded.requests;
    const throttled = requests.findIndex((r) => r.status === 429);
    expect(throttled).toBe(0);
    const asked = a.logger.entries.find((e) => e.event === 'list.throttled')!.fields;
    expect(asked).toMatchObject({ status: 429, retry_after_ms: 1000, wait_ms: 1000 });
    // Every request after a 429 came at least Retry-After later (a timer may fire ~1 ms early).
    requests.forEach((r, i) => {
      const next = requests[i + 1];
      if (r.status === 429 && next) expect(next.at - r.respondedAt!).toBeGreaterThanOrEqual(995);
    });
  });
});

// The list poll as the way in: with the watch turned off, or while it is down.
describe('polling without the watch', () => {
  it('backs off exponentially with jitter while idle', () => {
    const low = new Backoff(1_000, 8_000, () => 0);
    expect([1, 2, 3, 4, 5].map(() => low.next())).toEqual([500, 1000, 2000, 4000, 4000]);
    const high = new Backoff(1_000, 8_000, () => 1);
    expect([1, 2, 3, 4, 5].map(() => high.next())).toEqual([1000, 2000, 4000, 8000, 8000]);
    high.reset();
    expect(high.next()).toBe(1000);
  });

  it('an idle agent polls less and less often', async () => {
    const server = await harness.server();
    const team = await server.fixtures.team();
    const agent = await server.fixtures.agent(team.id);
    const a = harness.agent(server, agent.key, {
      watch: false,
      pollMinMs: 20,
      pollMaxMs: 160,
      random: () => 1,
    });
    void a.agent.start();
    await waitFor(() => expect(a.fetch.requests.length).toBeGreaterThanOrEqual(6));
    const starts = a.fetch.requests.map((r) => r.at);
    const gaps = starts.slice(1, 6).map((t, i) => t - a.fetch.requests[i]!.respondedAt!);
    [20, 40, 80, 160, 160].forEach((wait, i) => expect(gaps[i]).toBeGreaterThanOrEqual(wait - 1));
  });

  it('after a poll that found work, polls again at once', async () => {
    const server = await harness.server();
    const team = await server.fixtures.team();
    const agent = await server.fixtures.agent(team.id);
    await server.fixtures.session({ agentId: agent.id });
    const a = harness.agent(server, agent.key, {
      watch: false,
      pollMinMs: 5_000,
      pollMaxMs: 10_000,
    });
    void a.agent.start();
    await waitFor(() => expect(a.fetch.requests.filter(isList).length).toBeGreaterThanOrEqual(2));
    const [, claim, relist] = a.fetch.requests;
    expect(isClaim(claim!)).toBe(true);
    expect(isList(relist!)).toBe(true);
    expect(relist!.at - claim!.respondedAt!).toBeLessThan(1_000);
  });
});

describe('stopping (what SIGINT and SIGTERM do)', () => {
  it('stop() cuts an idle wait short: start() resolves, nothing is left running', async () => {
    const server = await harness.server();
    const team = await server.fixtures.team();
    const agent = await server.fixtures.agent(team.id);
    const a = harness.agent(server, agent.key, { pollMinMs: 60_000, pollMaxMs: 60_000 });
    const running = a.agent.start();
    await waitFor(() => expect(a.fetch.requests.map((r) => r.status)).toContain(200));
    const asked = Date.now();
    await a.agent.stop();
    await expect(running).resolves.toBeUndefined();
    expect(Date.now() - asked).toBeLessThan(1_000);
    expect(a.logger.entries.at(-1)?.event).toBe('agent.stopped');
  });

  it('stop() aborts the handlers’ signal and waits for them to finish', async () => {
    const server = await harness.server();
    const team = await server.fixtures.team();
    const agent = await server.fixtures.agent(team.id);
    await server.fixtures.session({ agentId: agent.id });
    let finished = false;
    const handler: SessionHandler = {
      async onClaimed(_session, { signal }) {
        await new Promise((resolve) => signal.addEventListener('abort', resolve));
        await new Promise((resolve) => setTimeout(resolve, 50));
        finished = true;
      },
    };
    const a = harness.agent(server, agent.key, { handler });
    const running = a.agent.start();
    await waitFor(() => expect(a.logger.entries.map((e) => e.event)).toContain('session.claimed'));
    expect(finished).toBe(false);
    await a.agent.stop();
    expect(finished).toBe(true);
    await expect(running).resolves.toBeUndefined();
  });
});
