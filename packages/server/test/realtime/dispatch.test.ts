import type { ServerWatchFrame } from '@agentmc/contract';
import { TestSocket, storeKinds, waitFor } from '@agentmc/testkit';
import { describe, expect, it } from 'vitest';
import { claim, request, useWorld, type World } from './harness.js';

type Watch = TestSocket<ServerWatchFrame>;

/** Opens `n` watch sockets for the world's agent, each through a key of its own (a process each). */
async function watchers(w: World, n: number): Promise<Watch[]> {
  const sockets: Watch[] = [];
  for (let i = 0; i < n; i++) {
    const key = i === 0 ? w.agent.key : (await w.server.fixtures.agentKey(w.agent.id)).key;
    const ticket = await w.api.post('/agents/realtime/watch', { key, json: {} });
    const socket = await TestSocket.watch(ticket.body.data.url);
    await socket.next('ready');
    sockets.push(socket);
  }
  return sockets;
}

/** The sockets that were pushed a session so far. */
function told(sockets: Watch[], sessionId: number): Watch[] {
  return sockets.filter((s) =>
    s.frames.some((f) => f.type === 'session.requested' && f.session.id === sessionId),
  );
}

/** Waits until exactly one socket was pushed the session; returns it. */
async function toldFirst(sockets: Watch[], sessionId: number): Promise<Watch> {
  const [first] = await waitFor(() => {
    const now = told(sockets, sessionId);
    expect(now, 'the sockets told').toHaveLength(1);
    return now;
  });
  return first!;
}

const GRACE_MS = 1_000;

describe.each(await storeKinds())('a requested session among the agent’s watches (%s)', (kind) => {
  const world = useWorld(kind, { realtime: { dispatchGraceMs: GRACE_MS } }, { shared: true });

  it('pushes to one watch first, and to the others once the grace has passed', async () => {
    const w = world();
    const sockets = await watchers(w, 3);
    const sentAt = performance.now();
    const { id } = await request(w);
    await toldFirst(sockets, id);
    await waitFor(() => expect(told(sockets, id)).toHaveLength(3));
    // The timer may round down by a millisecond.
    expect(performance.now() - sentAt).toBeGreaterThanOrEqual(GRACE_MS - 1);
    for (const socket of sockets) {
      expect(socket.frames.filter((f) => f.type === 'session.requested')).toHaveLength(1);
    }
  });

  it('pushes to nobody else once the session was claimed or closed within the grace', async () => {
    const w = world();
    const sockets = await watchers(w, 3);
    const claimed = await request(w);
    await toldFirst(sockets, claimed.id);
    await claim(w, claimed.id);
    const closed = await request(w);
    await toldFirst(sockets, closed.id);
    const reply = await w.person('POST', `/realtime/sessions/${closed.id}/close`, {});
    expect(reply.status).toBe(200);
    // A session left waiting reaches every watch after the grace; the two before it, whose
    // grace ended first, reached no other.
    const waiting = await request(w);
    await waitFor(() => expect(told(sockets, waiting.id)).toHaveLength(3));
    expect(told(sockets, claimed.id)).toHaveLength(1);
    expect(told(sockets, closed.id)).toHaveLength(1);
  });

  it('takes the watches in turn, each process first as often as the others', async () => {
    const w = world();
    const sockets = await watchers(w, 3);
    const firsts: number[] = [];
    for (let i = 0; i < 6; i++) {
      const { id } = await request(w);
      firsts.push(sockets.indexOf(await toldFirst(sockets, id)));
      await claim(w, id);
    }
    expect(firsts.slice(0, 3).sort()).toEqual([0, 1, 2]);
    expect(firsts.slice(3)).toEqual(firsts.slice(0, 3));
  });

  it('pushes at once when the agent has a single watch', async () => {
    const w = world();
    const [socket] = await watchers(w, 1);
    const sentAt = performance.now();
    const { id } = await request(w);
    await toldFirst([socket!], id);
    expect(performance.now() - sentAt).toBeLessThan(GRACE_MS);
  });
});

describe.each(await storeKinds())('a long dispatch grace (%s)', (kind) => {
  const world = useWorld(kind, { realtime: { dispatchGraceMs: 60_000 } }, { shared: true });

  it('pushes to the others at once when the first watch closes', async () => {
    const w = world();
    const sockets = await watchers(w, 3);
    const { id } = await request(w);
    const first = await toldFirst(sockets, id);
    await first.close();
    await waitFor(() => expect(told(sockets, id)).toHaveLength(3));
  });

  it('pushes what is waiting to a watch that opens later, as it opens', async () => {
    const w = world();
    const sockets = await watchers(w, 2);
    const { id } = await request(w);
    await toldFirst(sockets, id);
    const [late] = await watchers(w, 1);
    expect((await late!.next('session.requested')).session.id).toBe(id);
    expect(told(sockets, id)).toHaveLength(1);
  });
});

describe.each(await storeKinds())('no dispatch grace (%s)', (kind) => {
  const world = useWorld(kind, { realtime: { dispatchGraceMs: 0 } }, { shared: true });

  it('pushes to every watch at once, even when one claims at once', async () => {
    const w = world();
    const sockets = await watchers(w, 3);
    const { id } = await request(w);
    await waitFor(() => expect(told(sockets, id).length).toBeGreaterThan(0));
    await claim(w, id);
    await waitFor(() => expect(told(sockets, id)).toHaveLength(3));
  });
});
