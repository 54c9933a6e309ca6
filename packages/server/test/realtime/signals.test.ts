import { RealtimeSignal, SignalListEnvelope } from '@agentmc/contract';
import { TestSocket, inspect, iso, storeKinds } from '@agentmc/testkit';
import { describe, expect, it } from 'vitest';
import { T0, claim, connected, range, request, useWorld } from './harness.js';

const agentPath = (id: number, rest = '') => `/agents/realtime/sessions/${id}${rest}`;
const personPath = (id: number, rest = '') => `/realtime/sessions/${id}${rest}`;

describe.each(await storeKinds())('signals over HTTP (%s)', (kind) => {
  const world = useWorld(kind, {}, { shared: true });

  it('writes a signal with the next seq, and lists after an id in seq order', async () => {
    const w = world();
    const requested = await request(w);
    // The person may write before any agent claimed: the agent catches up later.
    const early = await w.person('POST', personPath(requested.id, '/signals'), {
      type: 'message',
      payload: { content: 'anyone?' },
    });
    expect(early.status).toBe(201);
    expect(RealtimeSignal.parse(early.body.data)).toEqual({
      id: early.body.data.id,
      seq: 1,
      team_id: w.team.id,
      agent_id: w.agent.id,
      session_id: requested.id,
      sender: 'browser',
      type: 'message',
      payload: { content: 'anyone?' },
      created_at: iso(T0),
    });
    expect(Object.keys(early.body.data)).toEqual([
      'id',
      'seq',
      'team_id',
      'agent_id',
      'session_id',
      'sender',
      'type',
      'payload',
      'created_at',
    ]);

    await claim(w, requested.id);
    const reply = await w.bot('POST', agentPath(requested.id, '/signals'), {
      type: 'message',
      payload: [1, 2],
    });
    expect(reply.status).toBe(201);
    expect(reply.body.data).toMatchObject({ seq: 3, sender: 'agent', payload: [1, 2] });
    const none = await w.bot('POST', agentPath(requested.id, '/signals'), { type: 'typing' });
    expect(none.body.data).toMatchObject({ seq: 4, payload: null });

    const list = await w.bot(
      'GET',
      agentPath(requested.id, `/signals?after_id=${early.body.data.id}`),
    );
    expect(list.status).toBe(200);
    const page = SignalListEnvelope.parse(list.body);
    expect(page.data.map((s) => [s.seq, s.sender, s.type])).toEqual([
      [2, 'system', 'session.status'],
      [3, 'agent', 'message'],
      [4, 'agent', 'typing'],
    ]);
    expect(page.session).toMatchObject({ id: requested.id, status: 'claimed' });
    const limited = await w.person('GET', personPath(requested.id, '/signals?limit=2'));
    expect(limited.body.data.map((s: RealtimeSignal) => s.seq)).toEqual([1, 2]);
  });

  it('returns the first signal for a repeated idempotency key, never a twin', async () => {
    const w = world();
    const { id, browser, agent } = await connected(w);
    const body = { type: 'message', payload: { n: 1 }, idempotency_key: 'k-1' };
    const first = await w.bot('POST', agentPath(id, '/signals'), body);
    const again = await w.bot('POST', agentPath(id, '/signals'), { ...body, payload: { n: 2 } });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body.data).toEqual(first.body.data);
    // The same key from the other side is another signal: keys are per sender.
    const person = await w.person('POST', personPath(id, '/signals'), body);
    expect(person.status).toBe(201);
    // And over the socket: the repeat is absorbed, the stream holds each signal once.
    agent.send({ type: 'signal', signal: body });
    agent.send({
      type: 'signal',
      signal: { type: 'message', payload: { n: 3 }, idempotency_key: 'k-2' },
    });
    await browser.signal((s) => (s.payload as any)?.n === 3);
    const messages = browser.signals().filter((s) => s.type === 'message');
    expect(messages.map((s) => [s.sender, (s.payload as any).n])).toEqual([
      ['agent', 1],
      ['browser', 1],
      ['agent', 3],
    ]);
    const stored = await w.person('GET', personPath(id, '/signals'));
    expect(stored.body.data.filter((s: RealtimeSignal) => s.type === 'message')).toHaveLength(3);
  });

  it('numbers concurrent writers from both sides 1, 2, 3, … without gaps or twins', async () => {
    const w = world();
    const requested = await request(w);
    await claim(w, requested.id);
    const watcher = await TestSocket.open(requested.socket.url);
    await watcher.ready();
    const writes = Array.from({ length: 60 }, (_, i) =>
      i % 2 === 0
        ? w.bot('POST', agentPath(requested.id, '/signals'), { type: 'n', payload: { i } })
        : w.person('POST', personPath(requested.id, '/signals'), { type: 'n', payload: { i } }),
    );
    const replies = await Promise.all(writes);
    for (const reply of replies) expect(reply.status).toBe(201);
    const written = replies.map((r) => r.body.data.seq as number).sort((a, b) => a - b);
    // seq 1 is the claim's system signal.
    expect(written).toEqual(range(2, 61));
    const ids = replies
      .map((r) => r.body.data as RealtimeSignal)
      .sort((a, b) => a.seq - b.seq)
      .map((s) => s.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    await watcher.signal((s) => s.seq === 61);
    expect(watcher.signals().map((s) => s.seq)).toEqual(range(2, 61));
  });

  it('keeps seq gap-free with 200 writers racing in the store itself', async () => {
    const w = world();
    const requested = await request(w);
    const outcomes = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        w.server.fixtures.signal({
          sessionId: requested.id,
          sender: i % 2 ? 'agent' : 'browser',
          type: 'n',
          payload: { i },
          // Every tenth writer (all on the browser's side) sends the same key: one signal for
          // the twenty of them, however they race.
          idempotencyKey: i % 10 === 0 ? 'same' : null,
          now: w.clock(),
        }),
      ),
    );
    const created = outcomes.filter((o) => o.kind === 'created');
    expect(created.length).toBe(180 + 1);
    expect(outcomes.filter((o) => o.kind === 'replayed')).toHaveLength(19);
    const all = await inspect(w.server.database).signals(requested.id);
    expect(all.map((s) => s.seq)).toEqual(range(1, 181));
    expect(all.map((s) => s.id)).toEqual([...all.map((s) => s.id)].sort((a, b) => a - b));
  });

  it('refuses to write to ended sessions (409 ended) and the agent before its claim (409)', async () => {
    const w = world();
    const requested = await request(w);
    const early = await w.bot('POST', agentPath(requested.id, '/signals'), { type: 'message' });
    expect(early.status).toBe(409);
    expect(early.body.error).toMatchObject({
      code: 'realtime_session.not_claimed',
      details: { status: 'requested' },
    });
    const closeEarly = await w.bot('POST', agentPath(requested.id, '/close'), {});
    expect(closeEarly.status).toBe(409);

    expect((await w.person('POST', personPath(requested.id, '/close'), {})).body.data.status).toBe(
      'closed',
    );
    for (const [who, path] of [
      [w.person, personPath(requested.id, '/signals')],
      [w.bot, agentPath(requested.id, '/signals')],
    ] as const) {
      const late = await who('POST', path, { type: 'message' });
      expect(late.status).toBe(409);
      expect(late.body.error).toMatchObject({
        code: 'realtime_session.ended',
        details: { status: 'closed' },
      });
    }
  });

  it('validates bodies and queries with 422', async () => {
    const w = world();
    const requested = await request(w);
    const cases: [string, unknown][] = [
      [personPath(requested.id, '/signals'), { payload: {} }],
      [personPath(requested.id, '/signals'), { type: 'message', payload: 'text' }],
      [personPath(requested.id, '/signals'), { type: 'message', idempotency_key: '' }],
      [personPath(requested.id, '/signals'), { type: 'message', sender: 'agent' }],
      [personPath(requested.id, '/close'), { status: 'expired' }],
      [personPath(requested.id, '/close'), { reason: '' }],
    ];
    for (const [path, body] of cases) {
      const reply = await w.person('POST', path, body);
      expect(reply.status, JSON.stringify(body)).toBe(422);
      expect(reply.body.error.code).toBe('validation.failed');
    }
    for (const query of ['after_id=-1', 'after_id=x', 'limit=0', 'limit=201']) {
      const reply = await w.person('GET', personPath(requested.id, `/signals?${query}`));
      expect(reply.status, query).toBe(422);
    }
  });

  it('shows a session only to its agent and its person: 404 across teams, 403 within', async () => {
    const w = world();
    const requested = await request(w);
    const teammate = await w.server.fixtures.user(w.team.id);
    const otherAgent = await w.server.fixtures.agent(w.team.id);
    const stranger = await w.server.fixtures.team();
    const strangerUser = await w.server.fixtures.user(stranger.id);
    const strangerAgent = await w.server.fixtures.agent(stranger.id);
    const as = (key: string, method: 'GET' | 'POST', path: string, json?: unknown) =>
      w.api.send(method, path, { key, json });

    for (const path of ['', '/signals']) {
      expect((await as(teammate.key, 'GET', personPath(requested.id, path))).status).toBe(403);
      expect((await as(strangerUser.key, 'GET', personPath(requested.id, path))).status).toBe(404);
    }
    expect((await as(otherAgent.key, 'GET', agentPath(requested.id, '/signals'))).status).toBe(403);
    expect((await as(strangerAgent.key, 'GET', agentPath(requested.id, '/signals'))).status).toBe(
      404,
    );
    expect(
      (await as(strangerAgent.key, 'POST', agentPath(requested.id, '/close'), {})).status,
    ).toBe(404);
    // Keys of the wrong kind: 403 from the auth layer.
    expect((await w.bot('GET', personPath(requested.id))).status).toBe(403);
    expect((await w.person('GET', agentPath(requested.id, '/signals'))).status).toBe(403);
  });

  it('lists the person’s own sessions, newest first, by status', async () => {
    const w = world();
    const first = await request(w);
    w.clock.advance(1);
    const second = await request(w);
    await claim(w, second.id);
    const teammate = await w.server.fixtures.user(w.team.id);
    await w.api.post('/realtime/sessions', { key: teammate.key, json: { agent_id: w.agent.id } });

    const all = await w.person('GET', '/realtime/sessions');
    expect(all.status).toBe(200);
    expect(all.body.data.map((s: { id: number }) => s.id)).toEqual([second.id, first.id]);
    const requestedOnly = await w.person('GET', '/realtime/sessions?status=requested');
    expect(requestedOnly.body.data.map((s: { id: number }) => s.id)).toEqual([first.id]);
    expect((await w.person('GET', '/realtime/sessions?limit=1')).body.data).toHaveLength(1);
    expect((await w.person('GET', '/realtime/sessions?status=nope')).status).toBe(422);
  });
});
