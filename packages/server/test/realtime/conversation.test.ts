import { TestSocket, iso, storeKinds } from '@agentmc/testkit';
import { describe, expect, it } from 'vitest';
import { T0, claim, range, request, seqs, useWorld, type World } from './harness.js';

const chat = (content: string) => ({ type: 'chat.user', payload: { content } });

/** Every signal of a session, over HTTP, in seq order. */
async function history(w: World, id: number) {
  const reply = await w.person('GET', `/realtime/sessions/${id}/signals?limit=200`);
  expect(reply.status).toBe(200);
  return reply.body.data as { seq: number; sender: string; type: string; payload: any }[];
}

describe.each(await storeKinds())('a realtime conversation, end to end (%s)', (kind) => {
  const world = useWorld(kind);

  it('requests, claims, talks both ways, survives a dropped agent, and closes', async () => {
    const w = world();

    // The person asks for a session and opens its socket while it waits for an agent.
    const requested = await request(w, { meta: { topic: 'postmortem' } });
    expect(requested.status).toBe('requested');
    expect(requested.socket.url).toMatch(
      /^ws:\/\/127\.0\.0\.1:\d+\/api\/v1\/realtime\/sessions\/\d+\/socket\?ticket=/,
    );
    expect(requested.socket.expires_at).toBe(iso(T0 + 60));
    expect(Object.keys(requested).slice(0, 14)).toContain('updated_at');
    expect(Object.keys(requested).at(-1)).toBe('socket');
    const browser = await TestSocket.open(requested.socket.url);
    const browserReady = await browser.ready();
    expect(browserReady).toMatchObject({ role: 'browser', last_signal_id: 0, last_seq: 0 });
    expect(browserReady.session.status).toBe('requested');

    // The agent claims: the person hears of it at once.
    w.clock.advance(5);
    const claimed = await claim(w, requested.id);
    expect(claimed).toMatchObject({ status: 'claimed', claimed_at: iso(T0 + 5) });
    expect(claimed.socket.url).toContain(`/realtime/sessions/${requested.id}/socket?ticket=`);
    expect(await browser.signal((s) => s.type === 'session.status')).toMatchObject({
      seq: 1,
      sender: 'system',
      payload: { status: 'claimed', reason: 'claimed' },
    });
    expect((await browser.next('session')).session.status).toBe('claimed');

    // The agent's first connection makes the session active.
    w.clock.advance(5);
    let agent = await TestSocket.open(claimed.socket.url);
    const agentReady = await agent.ready();
    expect(agentReady.role).toBe('agent');
    expect(agentReady.session).toMatchObject({ status: 'active', opened_at: iso(T0 + 10) });
    expect(agentReady.session.last_agent_heartbeat_at).toBe(iso(T0 + 10));
    expect((await browser.next('session')).session).toMatchObject({
      status: 'active',
      opened_at: iso(T0 + 10),
    });

    // Messages both ways; each side sees its own signals too, with its key.
    browser.send({
      type: 'signal',
      signal: { type: 'message', payload: chat('hello'), idempotency_key: 'm-1' },
    });
    const hello = await agent.signal((s) => s.type === 'message');
    expect(hello).toMatchObject({
      sender: 'browser',
      payload: chat('hello'),
      session_id: requested.id,
    });
    const ownHello = await browser.next('signal', (f) => f.signal.type === 'message');
    expect(ownHello).toMatchObject({ idempotency_key: 'm-1', signal: { id: hello.id } });
    expect(
      agent.frames.find((f) => f.type === 'signal' && f.signal.id === hello.id),
    ).not.toHaveProperty('idempotency_key');

    agent.send({
      type: 'signal',
      signal: { type: 'message', payload: { type: 'chat.agent.done', payload: { content: 'hi' } } },
    });
    const reply = await browser.signal((s) => s.sender === 'agent');
    expect(reply.seq).toBe(hello.seq + 1);
    await agent.signal((s) => s.id === reply.id);

    // The agent's connection drops. Nothing ends the session but a deliberate close.
    const lastSeen = reply;
    await agent.drop();
    await w.server.sweep();
    expect((await w.person('GET', `/realtime/sessions/${requested.id}`)).body.data.status).toBe(
      'active',
    );

    // Meanwhile the person keeps talking: more than one catch-up page, socket and HTTP.
    for (let i = 0; i < 3; i++)
      browser.send({ type: 'signal', signal: { type: 'message', payload: chat(`ws ${i}`) } });
    for (let i = 0; i < 140; i++) {
      const sent = await w.person('POST', `/realtime/sessions/${requested.id}/signals`, {
        type: 'message',
        payload: chat(`http ${i}`),
      });
      expect(sent.status).toBe(201);
    }

    // A fresh ticket, a new socket, `resume` after the last signal seen; more arrive meanwhile.
    const ticket = await w.bot('POST', `/agents/realtime/sessions/${requested.id}/socket`, {});
    expect(ticket.status).toBe(200);
    agent = await TestSocket.open(ticket.body.data.url);
    await agent.next('ready');
    agent.send({ type: 'resume', after_id: lastSeen.id });
    const during = Array.from({ length: 15 }, (_, i) =>
      w.person('POST', `/realtime/sessions/${requested.id}/signals`, {
        type: 'message',
        payload: chat(`during ${i}`),
      }),
    );
    for (const sent of await Promise.all(during)) expect(sent.status).toBe(201);
    const total = lastSeen.seq + 3 + 140 + 15;
    await agent.signal((s) => s.seq === total);
    expect(seqs(agent.signals())).toEqual(range(lastSeen.seq + 1, total));

    // The person closes; both sides get the system signal, the session, and a clean close.
    w.clock.advance(50);
    const closed = await w.person('POST', `/realtime/sessions/${requested.id}/close`, {
      reason: 'done',
    });
    expect(closed.status).toBe(200);
    expect(closed.body.data).toMatchObject({
      status: 'closed',
      closed_at: iso(T0 + 60),
      updated_at: iso(T0 + 60),
    });
    for (const side of [agent, browser]) {
      expect(
        await side.signal(
          (s) =>
            s.type === 'session.status' &&
            s.payload !== null &&
            (s.payload as any).status === 'closed',
        ),
      ).toMatchObject({
        seq: total + 1,
        payload: { status: 'closed', reason: 'done' },
      });
      expect((await side.next('session')).session.status).toBe('closed');
      expect((await side.closed).code).toBe(1000);
    }

    // What is stored: the final record and the whole history, gap-free.
    const final = (await w.person('GET', `/realtime/sessions/${requested.id}`)).body.data;
    expect(final).toMatchObject({
      status: 'closed',
      claimed_at: iso(T0 + 5),
      opened_at: iso(T0 + 10),
      closed_at: iso(T0 + 60),
      last_browser_heartbeat_at: iso(T0),
      last_agent_heartbeat_at: iso(T0 + 10),
      meta: { topic: 'postmortem' },
      created_at: iso(T0),
    });
    const all = await history(w, requested.id);
    expect(all.map((s) => s.seq)).toEqual(range(1, total + 1));
    expect(all.filter((s) => s.sender === 'system').map((s) => s.payload.status)).toEqual([
      'claimed',
      'active',
      'closed',
    ]);
  });

  it('lets the agent close with a reason, and a repeated close changes nothing', async () => {
    const w = world();
    const requested = await request(w);
    await claim(w, requested.id);
    const browser = await TestSocket.open(requested.socket.url);
    await browser.ready();

    w.clock.advance(3);
    const path = `/agents/realtime/sessions/${requested.id}/close`;
    const first = await w.bot('POST', path, { status: 'failed', reason: 'model_unavailable' });
    expect(first.status).toBe(200);
    expect(first.body.data).toMatchObject({ status: 'failed', closed_at: iso(T0 + 3) });
    expect(
      await browser.signal(
        (s) => s.type === 'session.status' && (s.payload as any).status === 'failed',
      ),
    ).toMatchObject({
      payload: { status: 'failed', reason: 'model_unavailable' },
    });
    expect((await browser.closed).code).toBe(1000);

    w.clock.advance(3);
    const again = await w.bot('POST', path, {});
    expect(again.status).toBe(200);
    expect(again.body.data).toMatchObject({ status: 'failed', closed_at: iso(T0 + 3) });
  });
});
