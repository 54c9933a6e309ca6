import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  TestSocket,
  manualClock,
  startTestServer,
  storeKinds,
  world,
  type TestServer,
} from '@agentmc/testkit';
import { withQuietSweeper } from '../helpers.js';
import { T0, pgListeners, range, replicaOf, worldOn, type World } from './harness.js';

const kinds = await storeKinds();

/**
 * Two replicas over one PostgreSQL schema, as behind a load balancer: the person talks to one,
 * the agent to the other, and LISTEN/NOTIFY carries everything between them.
 */
describe.runIf(kinds.includes('postgres'))('two replicas on PostgreSQL', () => {
  let a: World;
  let b: World;
  const servers: TestServer[] = [];

  beforeEach(async () => {
    const clock = manualClock(T0);
    const config = { realtime: { heartbeatTimeoutSeconds: 60 } };
    const first = await startTestServer({
      kind: 'postgres',
      clock,
      config: withQuietSweeper(config),
    });
    const second = await replicaOf(first, clock, config);
    servers.push(second, first);
    const ids = await world(first);
    a = worldOn(first, clock, ids);
    b = worldOn(second, clock, ids);
  });

  afterEach(async () => {
    // The replica first: the first server owns (and drops) the database.
    for (const server of servers.splice(0)) await server.close();
  });

  it('lets a person on one replica and an agent on the other talk, move, and close', async () => {
    // The agent watches on B; the person requests on A; the push crosses over.
    const watchTicket = await b.bot('POST', '/agents/realtime/watch', {});
    const watch = await TestSocket.watch(watchTicket.body.data.url);
    await watch.next('ready');
    const requested = await a.person('POST', '/realtime/sessions', {
      agent_id: a.agent.id,
      // Larger than a NOTIFY can carry: the other replica reads it from the store.
      meta: { context: 'y'.repeat(9_000) },
    });
    expect(requested.status).toBe(201);
    const id = requested.body.data.id as number;
    expect((await watch.next('session.requested')).session.meta).toEqual({
      context: 'y'.repeat(9_000),
    });
    await watch.close();

    let browser = await TestSocket.open(requested.body.data.socket.url);
    await browser.ready();
    const claimed = await b.bot('POST', `/agents/realtime/sessions/${id}/claim`, {});
    expect(claimed.status).toBe(200);
    expect(claimed.body.data.socket.url.startsWith(b.server.origin.replace('http', 'ws'))).toBe(
      true,
    );
    expect((await browser.next('session')).session.status).toBe('claimed');
    let agent = await TestSocket.open(claimed.body.data.socket.url);
    await agent.ready();
    expect((await browser.next('session')).session.status).toBe('active');

    // Both ways across replicas, a payload too large for NOTIFY included.
    browser.send({ type: 'signal', signal: { type: 'message', payload: { text: 'hello' } } });
    expect((await agent.signal((s) => s.type === 'message')).payload).toEqual({ text: 'hello' });
    const big = { text: 'z'.repeat(20_000) };
    agent.send({ type: 'signal', signal: { type: 'message', payload: big } });
    const reply = await browser.signal((s) => s.sender === 'agent');
    expect(reply.payload).toEqual(big);

    // Each side moves to the other replica and resumes; meanwhile both keep talking.
    const agentSeen = agent.signals().at(-1)!;
    await agent.drop();
    for (let i = 0; i < 5; i++) {
      await a.person('POST', `/realtime/sessions/${id}/signals`, { type: 'n', payload: { i } });
    }
    const agentTicket = await a.bot('POST', `/agents/realtime/sessions/${id}/socket`, {});
    agent = await TestSocket.open(agentTicket.body.data.url);
    await agent.next('ready');
    agent.send({ type: 'resume', after_id: agentSeen.id });

    const browserSeen = browser.signals().at(-1)!;
    await browser.drop();
    for (let i = 5; i < 10; i++) {
      await b.bot('POST', `/agents/realtime/sessions/${id}/signals`, { type: 'n', payload: { i } });
    }
    const personTicket = await b.person('GET', `/realtime/sessions/${id}`);
    browser = await TestSocket.open(personTicket.body.data.socket.url);
    await browser.next('ready');
    browser.send({ type: 'resume', after_id: browserSeen.id });

    const last = agentSeen.seq + 10;
    await agent.signal((s) => s.seq === last);
    await browser.signal((s) => s.seq === last);
    expect(agent.signals().map((s) => s.seq)).toEqual(range(agentSeen.seq + 1, last));
    expect(browser.signals().map((s) => s.seq)).toEqual(range(browserSeen.seq + 1, last));

    // Closing on B reaches the agent on A.
    const closed = await b.person('POST', `/realtime/sessions/${id}/close`, { reason: 'bye' });
    expect(closed.body.data.status).toBe('closed');
    expect((await agent.next('session')).session.status).toBe('closed');
    expect((await agent.closed).code).toBe(1000);
    expect((await browser.closed).code).toBe(1000);
  });

  it('ends a silent agent’s session once, from either replica’s sweeper, for both sides', async () => {
    const requested = await a.person('POST', '/realtime/sessions', { agent_id: a.agent.id });
    const id = requested.body.data.id as number;
    const browser = await TestSocket.open(requested.body.data.socket.url);
    await browser.next('ready');
    const claimed = await b.api.post(`/agents/realtime/sessions/${id}/claim`, {
      key: b.agent.key,
      json: {},
    });
    const agent = await TestSocket.open(claimed.body.data.socket.url);
    await agent.next('ready');

    a.clock.advance(60);
    const swept = await Promise.all([a.server.sweep(), b.server.sweep()]);
    expect(swept[0] + swept[1]).toBe(1);
    for (const side of [browser, agent]) {
      expect(
        (await side.next('session', (f) => f.session.status === 'failed')).session.status,
      ).toBe('failed');
      expect((await side.closed).code).toBe(1000);
    }
    const statusSignals = (
      await a.person('GET', `/realtime/sessions/${id}/signals`)
    ).body.data.filter((s: { type: string }) => s.type === 'session.status');
    expect(statusSignals.map((s: { payload: { status: string } }) => s.payload.status)).toEqual([
      'claimed',
      'active',
      'failed',
    ]);
  });

  it('recovers from a lost listener: it reconnects and the sockets catch up on what they missed', async () => {
    const requested = await a.person('POST', '/realtime/sessions', { agent_id: a.agent.id });
    const id = requested.body.data.id as number;
    const claimed = await b.bot('POST', `/agents/realtime/sessions/${id}/claim`, {});
    const agent = await TestSocket.open(claimed.body.data.socket.url);
    await agent.ready();

    // Cut both replicas' listening connections, as a PostgreSQL restart or a network blip would.
    const listeners = await pgListeners(a.server.database.schema);
    try {
      expect(await listeners.terminate()).toBe(2);
      // Until they are really gone; they come back only after a backoff (200 ms).
      await expect.poll(() => listeners.count(), { interval: 10, timeout: 5_000 }).toBe(0);
    } finally {
      await listeners.end();
    }
    // Written on A while B cannot hear: B's socket learns of it when its listener is back.
    const sent = await a.person('POST', `/realtime/sessions/${id}/signals`, {
      type: 'message',
      payload: { text: 'while you were away' },
    });
    expect(sent.status).toBe(201);
    expect((await agent.signal((s) => s.type === 'message')).id).toBe(sent.body.data.id);

    // And live delivery across replicas works again.
    const later = await a.person('POST', `/realtime/sessions/${id}/signals`, {
      type: 'message',
      payload: { text: 'back' },
    });
    expect((await agent.signal((s) => s.type === 'message')).id).toBe(later.body.data.id);
    await agent.close();
  });
});
