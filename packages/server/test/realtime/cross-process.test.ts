import { describe, expect, it } from 'vitest';
import { TestSocket, send, storeKinds } from '@agentmc/testkit';
import { admin, connected, replicaOf, request, useWorld, worldOn } from './harness.js';

/** A JSON call to the API with a key. */
const call = (baseUrl: string, method: string, path: string, key: string, json?: unknown) =>
  send(`${baseUrl}${path}`, method, { key, ...(json !== undefined ? { json } : {}) });

/**
 * Processes that share a database hear each other: a session requested by the admin CLI, or on
 * another replica, reaches a running server's sockets through the bus the replicas use
 * (LISTEN/NOTIFY on PostgreSQL, the event log on SQLite).
 */
describe.each(await storeKinds())('events across processes (%s)', (kind) => {
  const world = useWorld(kind);

  it('pushes a session the admin CLI requested on the agent’s watch within a second', async () => {
    const w = world();
    const ticket = await w.bot('POST', '/agents/realtime/watch', {});
    const watch = await TestSocket.watch(ticket.body.data.url);
    await watch.next('ready');

    const result = await admin(w.server.database, [
      'session',
      'request',
      '--agent',
      String(w.agent.id),
      '--user',
      String(w.user.id),
      '--meta',
      '{"from":"cli"}',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const requested = JSON.parse(result.stdout) as { id: number };

    const pushed = await watch.next('session.requested');
    const latencyMs = performance.now() - result.exitedAt;
    expect(pushed.session).toMatchObject({
      id: requested.id,
      status: 'requested',
      requested_by_user_id: w.user.id,
      meta: { from: 'cli' },
    });
    expect(latencyMs).toBeLessThan(1_000);
    await watch.close();
  });

  it('carries a conversation between two replicas of one database', async () => {
    const w = world();
    const other = await replicaOf(w.server, w.clock);
    try {
      const b = worldOn(other, w.clock, { team: w.team, user: w.user, agent: w.agent });
      // The agent watches on replica B; the person asks on replica A.
      const ticket = await b.bot('POST', '/agents/realtime/watch', {});
      const watch = await TestSocket.watch(ticket.body.data.url);
      await watch.next('ready');
      const requested = await request(w);
      expect((await watch.next('session.requested')).session.id).toBe(requested.id);
      await watch.close();

      // The person's socket is on A, the agent's on B: each hears the other.
      const claimed = await call(
        other.baseUrl,
        'POST',
        `/agents/realtime/sessions/${requested.id}/claim`,
        w.agent.key,
        {},
      );
      expect(claimed.status).toBe(200);
      const browser = await TestSocket.open(requested.socket.url);
      await browser.ready();
      const agent = await TestSocket.open(claimed.body.data.socket.url);
      await agent.ready();
      agent.send({ type: 'signal', signal: { type: 'chat.agent.done', payload: { text: 'hi' } } });
      expect((await browser.signal((s) => s.type === 'chat.agent.done')).payload).toEqual({
        text: 'hi',
      });
      browser.send({ type: 'signal', signal: { type: 'chat.user', payload: { text: 'yo' } } });
      expect((await agent.signal((s) => s.type === 'chat.user')).payload).toEqual({ text: 'yo' });
      await browser.close();
      await agent.close();
    } finally {
      await other.close();
    }
  });

  it('tells the other side of a session on another replica when it is closed', async () => {
    const w = world();
    const { id, browser, agent } = await connected(w);
    const other = await replicaOf(w.server, w.clock);
    try {
      const closed = await call(
        other.baseUrl,
        'POST',
        `/agents/realtime/sessions/${id}/close`,
        w.agent.key,
        {},
      );
      expect(closed.status).toBe(200);
      const isClosed = (f: { session: { status: string } }) => f.session.status === 'closed';
      expect((await browser.next('session', isClosed)).session.closed_at).not.toBeNull();
      expect((await agent.next('session', isClosed)).session.closed_at).not.toBeNull();
    } finally {
      await other.close();
    }
  });
});
