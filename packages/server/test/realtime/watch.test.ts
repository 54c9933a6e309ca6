import { TestSocket, expectRefused, storeKinds } from '@agentmc/testkit';
import { describe, expect, it } from 'vitest';
import { request, useWorld } from './harness.js';

describe.each(await storeKinds())('the agent’s watch socket (%s)', (kind) => {
  const world = useWorld(kind, {}, { shared: true });

  async function watch(w: ReturnType<typeof world>, key = w.agent.key) {
    const ticket = await w.api.post('/agents/realtime/watch', { key, json: {} });
    expect(ticket.status).toBe(200);
    expect(ticket.body.data.url).toMatch(/\/api\/v1\/realtime\/watch\/socket\?ticket=/);
    const socket = await TestSocket.watch(ticket.body.data.url);
    return { socket, ready: await socket.next('ready') };
  }

  it('pushes session.requested the moment a session is requested for the agent', async () => {
    const w = world();
    const { socket, ready } = await watch(w);
    expect(ready).toMatchObject({ agent_id: w.agent.id });

    const requested = await request(w, { meta: { from: 'chat' } });
    const pushed = await socket.next('session.requested');
    expect(pushed.session).toMatchObject({
      id: requested.id,
      status: 'requested',
      meta: { from: 'chat' },
    });
    expect(pushed.session).not.toHaveProperty('socket');

    // The push is enough to claim from.
    const claimed = await w.bot('POST', `/agents/realtime/sessions/${pushed.session.id}/claim`, {});
    expect(claimed.status).toBe(200);
    await socket.close();
  });

  it('pushes what is already waiting when it opens, and nothing twice', async () => {
    const w = world();
    const a = await request(w);
    const b = await request(w);
    const claimedOne = await request(w);
    await w.bot('POST', `/agents/realtime/sessions/${claimedOne.id}/claim`, {});
    const { socket } = await watch(w);
    const first = await socket.next('session.requested');
    const second = await socket.next('session.requested');
    expect([first.session.id, second.session.id].sort()).toEqual([a.id, b.id].sort());
    const c = await request(w);
    expect((await socket.next('session.requested')).session.id).toBe(c.id);
    expect(socket.frames.filter((f) => f.type === 'session.requested')).toHaveLength(3);
    await socket.close();
  });

  it('pushes only the agent’s own sessions', async () => {
    const w = world();
    const other = await w.server.fixtures.agent(w.team.id);
    const { socket: mine } = await watch(w);
    const { socket: theirs } = await watch(w, other.key);
    const forOther = await w.api.post('/realtime/sessions', {
      key: w.user.key,
      json: { agent_id: other.id },
    });
    const forMe = await request(w);
    expect((await mine.next('session.requested')).session.id).toBe(forMe.id);
    expect((await theirs.next('session.requested')).session.id).toBe(forOther.body.data.id);
    expect(mine.frames.filter((f) => f.type === 'session.requested')).toHaveLength(1);
    await mine.close();
    await theirs.close();
  });

  it('answers pings, refuses bad frames, and needs an agent key and a watch ticket', async () => {
    const w = world();
    const { socket } = await watch(w);
    socket.send({ type: 'ping', nonce: 'n' });
    expect(await socket.next('pong')).toEqual({ type: 'pong', nonce: 'n' });
    socket.send({ type: 'resume', after_id: 0 });
    expect((await socket.next('error')).error.code).toBe('validation.failed');
    await socket.close();

    expect((await w.person('POST', '/agents/realtime/watch', {})).status).toBe(403);
    const session = await request(w);
    const watchUrl = socket.ws.url.slice(0, socket.ws.url.indexOf('?'));
    await expectRefused(`${watchUrl}?ticket=${session.socket.token}`, 403, 'auth.forbidden');
  });
});
