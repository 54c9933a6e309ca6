import {
  SOCKET_CLOSE_CODES,
  type ServerSessionFrame,
  type ServerWatchFrame,
} from '@agentmc/contract';
import {
  TestSocket,
  expectRefused,
  manualClock,
  startTestServer,
  storeKinds,
  world as worldOf,
  type TestServer,
} from '@agentmc/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withQuietSweeper } from '../helpers.js';
import {
  T0,
  admin,
  claim,
  connected,
  pgListeners,
  replicaOf,
  request,
  useWorld,
  worldOn,
  type World,
} from './harness.js';

const kinds = await storeKinds();

/** How long a revocation may take to close a socket on any replica. */
const REVOKE_CLOSE_MS = 2_000;

type AnySocket = TestSocket<ServerSessionFrame | ServerWatchFrame>;

/** When the socket closes (performance.now()), with its code. */
function whenClosed(socket: AnySocket): Promise<{ code: number; at: number }> {
  return socket.closed.then(({ code }) => ({ code, at: performance.now() }));
}

async function watchOf(w: World, key = w.agent.key) {
  const ticket = await w.api.post('/agents/realtime/watch', { key, json: {} });
  const watch = await TestSocket.watch(ticket.body.data.url);
  await watch.next('ready');
  return { watch, url: ticket.body.data.url as string };
}

/** Expects a socket to be told why (an `error` frame with `code`) and closed with 4003. */
async function expectRevoked(socket: AnySocket, code: string): Promise<void> {
  expect((await socket.next('error')).error.code).toBe(code);
  expect((await socket.closed).code).toBe(SOCKET_CLOSE_CODES.accessRevoked);
}

describe.each(kinds)('revocation ends realtime access at once (%s)', (kind) => {
  const world = useWorld(kind, {}, { shared: true });

  it('revoking the agent’s key closes its session and watch sockets (4003), not the person’s', async () => {
    const w = world();
    const { id, browser, agent, claimed } = await connected(w);
    const { watch, url } = await watchOf(w);

    expect(await w.server.sessions.revokeKey(w.agent.keyId)).toBeDefined();
    await expectRevoked(agent, 'auth.unauthenticated');
    await expectRevoked(watch, 'auth.unauthenticated');
    // Its tickets, issued before, are refused; HTTP refuses the key.
    await expectRefused(claimed.socket.url, 401, 'auth.unauthenticated');
    await expectRefused(url, 401, 'auth.unauthenticated');
    expect((await w.bot('GET', '/agents/realtime/sessions/requested')).status).toBe(401);

    // The person's socket is untouched and still talks.
    browser.send({ type: 'signal', signal: { type: 'message', payload: { text: 'still here' } } });
    expect((await browser.signal((s) => s.type === 'message')).session_id).toBe(id);
    await browser.close();
  });

  it('an open socket sends nothing more once its key is revoked', async () => {
    const w = world();
    const { id, browser, agent } = await connected(w);
    await w.server.sessions.revokeKey(w.agent.keyId);
    for (let i = 0; i < 5; i++) {
      agent.send({ type: 'signal', signal: { type: 'message', payload: { i } } });
    }
    expect((await agent.closed).code).toBe(SOCKET_CLOSE_CODES.accessRevoked);
    const signals = await w.person('GET', `/realtime/sessions/${id}/signals`);
    expect(signals.body.data.filter((s: { sender: string }) => s.sender === 'agent')).toEqual([]);
    await browser.close();
  });

  it('revoking the person’s key closes the person’s sockets; the agent talks on', async () => {
    const w = world();
    const { browser, agent, requested } = await connected(w);
    await w.server.sessions.revokeKey(w.user.keyId);
    await expectRevoked(browser, 'auth.unauthenticated');
    await expectRefused(requested.socket.url, 401, 'auth.unauthenticated');
    agent.send({ type: 'signal', signal: { type: 'message', payload: { text: 'hello?' } } });
    await agent.signal((s) => s.type === 'message');
    await agent.close();
  });

  it('removing the person closes the person’s sockets through every key; the agent talks on', async () => {
    const w = world();
    const { browser, agent, requested } = await connected(w);
    expect(await w.server.sessions.removeUser(w.user.id)).toBeDefined();
    await expectRevoked(browser, 'auth.unauthenticated');
    await expectRefused(requested.socket.url, 401, 'auth.unauthenticated');
    expect((await w.person('GET', '/realtime/sessions')).status).toBe(401);
    agent.send({ type: 'signal', signal: { type: 'message', payload: { text: 'anyone?' } } });
    await agent.signal((s) => s.type === 'message');
    await agent.close();
  });

  it('disabling the agent closes its sockets through every key (4003, auth.forbidden); enabling lets it back', async () => {
    const w = world();
    const { browser, agent, claimed } = await connected(w);
    const other = await w.server.fixtures.agentKey(w.agent.id);
    const { watch } = await watchOf(w, other.key);

    await w.server.sessions.setAgentDisabled(w.agent.id, true);
    await expectRevoked(agent, 'auth.forbidden');
    await expectRevoked(watch, 'auth.forbidden');
    await expectRefused(claimed.socket.url, 403, 'auth.forbidden');
    expect(browser.ws.readyState).toBe(browser.ws.OPEN);

    await w.server.sessions.setAgentDisabled(w.agent.id, false);
    const fresh = await w.bot('POST', `/agents/realtime/sessions/${claimed.id}/socket`, {});
    const back = await TestSocket.open(fresh.body.data.url);
    await back.next('ready');
    await back.close();
    await browser.close();
  });
});

describe.each(kinds)('revocation through the admin CLI while servers run (%s, process)', (kind) => {
  const world = useWorld(kind);

  /** The test's server and a second one on its database, as two replicas. */
  async function onTwoServers(test: (a: World, b: World) => Promise<void>): Promise<void> {
    const w = world();
    const other = await replicaOf(w.server, w.clock);
    try {
      await test(w, worldOn(other, w.clock, w));
    } finally {
      await other.close();
    }
  }

  it('`key revoke` closes the key’s sockets on every server within 2 s', () =>
    onTwoServers(async (a, b) => {
      // The agent's session socket on A, its watch on B.
      const { agent } = await connected(a);
      const { watch } = await watchOf(b);
      const closes = [whenClosed(agent), whenClosed(watch)];

      const revoked = await admin(a.server.database, [
        'key',
        'revoke',
        '--id',
        String(a.agent.keyId),
      ]);
      expect(revoked.stderr).toBe('');
      expect(revoked.code).toBe(0);
      for (const closed of await Promise.all(closes)) {
        expect(closed.code).toBe(SOCKET_CLOSE_CODES.accessRevoked);
        expect(closed.at - revoked.exitedAt).toBeLessThan(REVOKE_CLOSE_MS);
      }
    }));

  it('`agent disable` closes the agent’s sockets through every key on every server within 2 s', () =>
    onTwoServers(async (a, b) => {
      // A second key of the agent: its watch on A, a session socket on B.
      const second = { ...a.agent, ...(await a.server.fixtures.agentKey(a.agent.id)) };
      const sessionId = (await request(a)).id;
      const claimed = await b.api.post(`/agents/realtime/sessions/${sessionId}/claim`, {
        key: second.key,
        json: {},
      });
      const onB = await TestSocket.open(claimed.body.data.socket.url);
      await onB.next('ready');
      const { watch: onA } = await watchOf(a, second.key);
      const { watch: firstKey } = await watchOf(b);
      const closes = [whenClosed(onA), whenClosed(onB), whenClosed(firstKey)];

      const disabled = await admin(a.server.database, [
        'agent',
        'disable',
        '--id',
        String(a.agent.id),
      ]);
      expect(disabled.stderr).toBe('');
      expect(disabled.code).toBe(0);
      for (const closed of await Promise.all(closes)) {
        expect(closed.code).toBe(SOCKET_CLOSE_CODES.accessRevoked);
        expect(closed.at - disabled.exitedAt).toBeLessThan(REVOKE_CLOSE_MS);
      }
    }));
});

/** Two replicas over one PostgreSQL schema, as behind a load balancer. */
describe.runIf(kinds.includes('postgres'))('revocation across two replicas on PostgreSQL', () => {
  let a: World;
  let b: World;
  const servers: TestServer[] = [];

  beforeEach(async () => {
    const clock = manualClock(T0);
    const first = await startTestServer({ kind: 'postgres', clock, config: withQuietSweeper({}) });
    const second = await replicaOf(first, clock);
    servers.push(second, first);
    const ids = await worldOf(first);
    a = worldOn(first, clock, ids);
    b = worldOn(second, clock, ids);
  });

  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
  });

  it('closes the principal’s sockets on both replicas within 2 s of a revoke on one', async () => {
    const requested = await request(a);
    const claimed = await b.bot('POST', `/agents/realtime/sessions/${requested.id}/claim`, {});
    const onB = await TestSocket.open(claimed.body.data.socket.url);
    await onB.next('ready');
    const { watch: onA } = await watchOf(a);
    const closes = [whenClosed(onA), whenClosed(onB)];

    const started = performance.now();
    await a.server.sessions.revokeKey(a.agent.keyId);
    for (const closed of await Promise.all(closes)) {
      expect(closed.code).toBe(SOCKET_CLOSE_CODES.accessRevoked);
      expect(closed.at - started).toBeLessThan(REVOKE_CLOSE_MS);
    }
  });

  it('closes them even when the revocation’s notification was lost: the replica rechecks when it hears again', async () => {
    const requested = await request(a);
    const claimed = await claim(b, requested.id);
    const agent = await TestSocket.open(claimed.socket.url);
    await agent.next('ready');

    const listeners = await pgListeners(a.server.database.schema);
    try {
      expect(await listeners.terminate()).toBe(2);
    } finally {
      await listeners.end();
    }
    // Straight in the store, as a replica that died before it could publish would leave it.
    await a.server.fixtures.revokeKey(a.agent.keyId);
    await expectRevoked(agent, 'auth.unauthenticated');
  });
});
