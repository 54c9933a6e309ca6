import {
  AgentMCApi,
  TokenCache,
  chatSignal,
  connectPersonSession,
  readChatMessage,
  type RealtimeSignal,
} from '@agentmc/api';
import { serverForTest, storeKinds, waitFor, world } from '@agentmc/testkit';
import { describe, expect, it } from 'vitest';

/** A web app's backend: mints a browser token with the user's key, and counts how often. */
function backendFor(baseUrl: string, userKey: string, ttlSeconds = 900) {
  const minted: string[] = [];
  const keyed = new AgentMCApi({ baseUrl, apiKey: userKey });
  return {
    minted,
    async token(): Promise<string> {
      const result = await keyed.operations.createRealtimeBrowserToken({
        body: { ttl_seconds: ttlSeconds },
      });
      if (result.error) throw new Error(`mint failed: ${result.status}`);
      minted.push(result.data.data.token);
      return result.data.data.token;
    },
  };
}

describe.each(await storeKinds())('a page’s client with a browser token source (%s)', (kind) => {
  it('asks the source once, sends the token as a Bearer on every person’s call and ticket, and chats', async () => {
    const server = await serverForTest({ kind });
    const { user, agent } = await world(server);
    const backend = backendFor(server.baseUrl, user.key);
    const page = new AgentMCApi({ baseUrl: server.baseUrl, token: () => backend.token() });

    const agents = await page.operations.listRealtimeAgents();
    expect(agents.data?.data.map((a) => a.id)).toEqual([agent.id]);
    const created = await page.operations.createRealtimeSession({ body: { agent_id: agent.id } });
    expect(created.status).toBe(201);
    const session = created.data!.data;

    // The websocket's tickets come through the same token: the first with the request, the
    // next from reading the session.
    const connection = connectPersonSession(page, { id: session.id });
    const seen: RealtimeSignal[] = [];
    connection.on('signal', (signal) => seen.push(signal));
    await connection.next('ready');
    await connection.send(chatSignal('chat.user', 'hello', { requestId: 'r-1' }));
    await waitFor(() => expect(seen.map((s) => readChatMessage(s)?.type)).toContain('chat.user'));
    await connection.close();

    expect(backend.minted).toHaveLength(1);

    // The agent's operations are not for a page.
    const refused = await page.operations.listAgentRealtimeRequestedSessions();
    expect(refused.status).toBe(403);
  });

  it('asks the source again when the API refuses the token before its time (its key was revoked)', async () => {
    const server = await serverForTest({ kind });
    const { user, team } = await world(server);
    let key = user;
    const calls: string[] = [];
    const page = new AgentMCApi({
      baseUrl: server.baseUrl,
      token: async () => {
        const token = await backendFor(server.baseUrl, key.key).token();
        calls.push(token);
        return token;
      },
    });
    expect((await page.operations.listRealtimeAgents()).status).toBe(200);
    // The backend rotates to a new person's key; the old one is revoked.
    const next = await server.fixtures.user(team.id);
    await server.fixtures.revokeKey(key.keyId);
    key = next;
    expect((await page.operations.listRealtimeAgents()).status).toBe(200);
    expect(calls).toHaveLength(2);
  });
});

describe('TokenCache', () => {
  const T = 1_800_000_000;
  const tokenUntil = (expiresAt: number, n: number) => `amt_${expiresAt}_${'x'.repeat(42)}${n}`;

  it('reuses a token until a minute before it expires, then asks again; concurrent callers share one ask', async () => {
    let now = T * 1000;
    let asked = 0;
    const cache = new TokenCache(
      () => {
        asked++;
        return Promise.resolve(tokenUntil(now / 1000 + 900, asked));
      },
      () => now,
    );
    const [a, b] = await Promise.all([cache.get(), cache.get()]);
    expect(a).toBe(b);
    expect(asked).toBe(1);
    now += 839_000;
    expect(await cache.get()).toBe(a);
    now += 2_000; // 59 s left
    const fresh = await cache.get();
    expect(fresh).not.toBe(a);
    expect(asked).toBe(2);
  });

  it('refreshes a short-lived token at three quarters of its life', async () => {
    let now = T * 1000;
    let asked = 0;
    const cache = new TokenCache(
      () => Promise.resolve(tokenUntil(now / 1000 + 60, ++asked)),
      () => now,
    );
    await cache.get();
    now += 44_000;
    await cache.get();
    expect(asked).toBe(1);
    now += 2_000;
    await cache.get();
    expect(asked).toBe(2);
  });

  it('asks every time for a token whose expiry it cannot read', async () => {
    let asked = 0;
    const cache = new TokenCache(() => `opaque-${++asked}`);
    expect(await cache.get()).toBe('opaque-1');
    expect(await cache.get()).toBe('opaque-2');
  });
});
