import { TestSocket, iso, storeKinds, waitFor } from '@agentmc/testkit';
import { describe, expect, it } from 'vitest';
import { T0, claim, connected, request, useWorld } from './harness.js';

const timeouts = {
  connectTimeoutSeconds: 30,
  heartbeatTimeoutSeconds: 90,
  heartbeatWriteSeconds: 10,
};

describe.each(await storeKinds())('the server ends abandoned sessions (%s)', (kind) => {
  const world = useWorld(kind, { realtime: timeouts });

  it('expires a requested session nobody claimed before expires_at', async () => {
    const w = world();
    const requested = await request(w, { ttl_seconds: 60 });
    const browser = await TestSocket.open(requested.socket.url);
    await browser.ready();

    w.clock.advance(59);
    expect(await w.server.sweep()).toBe(0);
    w.clock.advance(1);
    expect(await w.server.sweep()).toBe(1);

    expect(await browser.signal((s) => s.type === 'session.status')).toMatchObject({
      sender: 'system',
      payload: { status: 'expired', reason: 'request_expired' },
    });
    expect((await browser.next('session')).session).toMatchObject({
      status: 'expired',
      updated_at: iso(T0 + 60),
    });
    expect((await browser.closed).code).toBe(1000);
    const claimAfter = await w.bot('POST', `/agents/realtime/sessions/${requested.id}/claim`, {});
    expect(claimAfter.status).toBe(409);
    expect(claimAfter.body.error.code).toBe('realtime_session.expired');
  });

  it('fails a claimed session whose agent never connects', async () => {
    const w = world();
    const requested = await request(w);
    await claim(w, requested.id);
    const browser = await TestSocket.open(requested.socket.url);
    await browser.ready();

    w.clock.advance(29);
    expect(await w.server.sweep()).toBe(0);
    w.clock.advance(1);
    expect(await w.server.sweep()).toBe(1);

    expect(
      await browser.signal(
        (s) => s.type === 'session.status' && (s.payload as any).status === 'failed',
      ),
    ).toMatchObject({ payload: { status: 'failed', reason: 'agent_never_connected' } });
    expect(
      (await browser.next('session', (f) => f.session.status === 'failed')).session,
    ).toMatchObject({
      closed_at: iso(T0 + 30),
      opened_at: null,
    });
  });

  it('fails an active session whose agent went silent, telling both sides', async () => {
    const w = world();
    const { id, browser, agent } = await connected(w);

    // The agent's pings keep it alive: each write is at least heartbeatWriteSeconds apart.
    w.clock.advance(60);
    agent.send({ type: 'ping', nonce: 'a' });
    expect(await agent.next('pong')).toEqual({ type: 'pong', nonce: 'a' });
    w.clock.advance(60);
    expect(await w.server.sweep()).toBe(0);
    const alive = (await w.person('GET', `/realtime/sessions/${id}`)).body.data;
    expect(alive).toMatchObject({ status: 'active', last_agent_heartbeat_at: iso(T0 + 60) });

    // Then nothing for 90 seconds: the connection is open, but the agent is silent.
    w.clock.advance(30);
    expect(await w.server.sweep()).toBe(1);
    for (const side of [browser, agent]) {
      expect(
        await side.signal(
          (s) => s.type === 'session.status' && (s.payload as any).status === 'failed',
        ),
      ).toMatchObject({ payload: { reason: 'agent_heartbeat_timeout' } });
      expect(
        (await side.next('session', (f) => f.session.status === 'failed')).session,
      ).toMatchObject({
        closed_at: iso(T0 + 150),
      });
      expect((await side.closed).code).toBe(1000);
    }
  });

  it('records the person’s heartbeats too, throttled', async () => {
    const w = world();
    const { id, browser } = await connected(w);
    w.clock.advance(5);
    browser.send({ type: 'ping' });
    await browser.next('pong');
    // Within heartbeatWriteSeconds of the last write: not written.
    expect(
      (await w.person('GET', `/realtime/sessions/${id}`)).body.data.last_browser_heartbeat_at,
    ).toBe(iso(T0));
    w.clock.advance(5);
    browser.send({ type: 'ping' });
    await browser.next('pong');
    await waitFor(async () =>
      expect(
        (await w.person('GET', `/realtime/sessions/${id}`)).body.data.last_browser_heartbeat_at,
      ).toBe(iso(T0 + 10)),
    );
  });

  it('never ends a session because a socket closed', async () => {
    const w = world();
    const { id, browser, agent } = await connected(w);
    await agent.close();
    await browser.drop();
    w.clock.advance(89);
    expect(await w.server.sweep()).toBe(0);
    expect((await w.person('GET', `/realtime/sessions/${id}`)).body.data.status).toBe('active');
  });

  it('announces each change once, however often the sweeper runs', async () => {
    const w = world();
    const requested = await request(w, { ttl_seconds: 10 });
    w.clock.advance(10);
    expect(await w.server.sweep()).toBe(1);
    w.clock.advance(100);
    expect(await w.server.sweep()).toBe(0);
    const signals = (await w.person('GET', `/realtime/sessions/${requested.id}/signals`)).body.data;
    expect(signals).toHaveLength(1);
  });
});
