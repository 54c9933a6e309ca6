import {
  chatSignal,
  connectPersonSession,
  readChatMessage,
  type RealtimeSignal,
} from '@agentmc/api';
import { manualClock, storeKinds, trackedWebSocket, waitFor } from '@agentmc/testkit';
import { describe, expect, it } from 'vitest';
import { realtimeSessionHandler, type MessageHandler } from '../src/index.js';
import { personOf, useHarness } from './helpers.js';

/** `2026-02-22T17:21:00Z`. */
const T0 = Date.UTC(2026, 1, 22, 17, 21, 0) / 1000;
const iso = (t: number) => new Date(t * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

const harness = useHarness();

/** The chat replies among signals, by the request they answer. */
function repliesByRequest(signals: readonly RealtimeSignal[]): Map<string, string[]> {
  const replies = new Map<string, string[]>();
  for (const signal of signals) {
    const message = readChatMessage(signal);
    if (signal.sender !== 'agent' || message?.type !== 'chat.agent.done') continue;
    const id = message.request_id ?? '?';
    replies.set(id, [...(replies.get(id) ?? []), message.payload.content]);
  }
  return replies;
}

describe.each(await storeKinds())('the sample agent on a realtime session (%s)', (kind) => {
  it('claims from the push, chats both ways, survives a dropped socket, and ends closed', async () => {
    const clock = manualClock(T0);
    const server = await harness.server({ kind, clock });
    const team = await server.fixtures.team();
    const agentRow = await server.fixtures.agent(team.id);
    const { WebSocket, sockets } = trackedWebSocket();
    const a = harness.agent(server, agentRow.key, {
      handler: realtimeSessionHandler({ WebSocket, reconnect: { minMs: 20, maxMs: 100 } }),
      reconcileMs: 60_000,
    });
    void a.agent.start();
    await waitFor(() =>
      expect(
        a.logger.entries.map((e) => e.event),
        'watch',
      ).toContain('watch.ready'),
    );

    // The person requests; the agent claims from the watch push, not from a poll.
    const person = await personOf(server, agentRow.id);
    const requested = await person.request();
    const connection = connectPersonSession(person.api, requested);
    const seen: RealtimeSignal[] = [];
    connection.on('signal', (signal) => seen.push(signal));
    await connection.next('session', { match: (s) => s.status === 'active' });
    const claimed = a.logger.entries.filter((e) => e.event === 'session.claimed');
    expect(claimed.map((e) => [e.fields.session_id, e.fields.via])).toEqual([
      [requested.id, 'watch'],
    ]);

    // Messages both ways: each chat.user is answered by a chat.agent.done naming it.
    const ask = (n: number) =>
      connection.send(chatSignal('chat.user', `question ${n}`, { requestId: `r-${n}` }));
    await ask(1);
    await waitFor(() => expect(repliesByRequest(seen).has('r-1'), 'the first reply').toBe(true));

    // The network cuts the agent's socket; the person keeps talking meanwhile.
    expect(sockets).toHaveLength(1);
    sockets[0]!.terminate();
    for (let n = 2; n <= 6; n++) await ask(n);
    await waitFor(() => expect(repliesByRequest(seen).size, 'every reply').toBe(6));
    await waitFor(() => expect(sockets, 'the reconnect').toHaveLength(2));

    // Nothing lost, nothing doubled: one reply per question, in the person's order.
    const replies = repliesByRequest(seen);
    for (let n = 1; n <= 6; n++) expect(replies.get(`r-${n}`)).toEqual([`question ${n}`]);
    expect(seen.map((s) => s.seq)).toEqual(seen.map((_, i) => i + 1));
    const connected = a.logger.entries.filter((e) => e.event === 'session.connected');
    expect(connected).toHaveLength(2);
    expect(connected[1]!.fields.resume_after_id).toBeGreaterThan(0);
    expect(a.logger.entries.filter((e) => e.event === 'session.reconnecting')).toHaveLength(1);

    // The person closes; the agent's handler ends with the session.
    clock.advance(10);
    const closed = await person.api.operations.closeRealtimeSession({
      params: { path: { session: requested.id } },
      body: { reason: 'done' },
    });
    expect(closed.status).toBe(200);
    expect((await connection.closed).reason).toBe('ended');
    await waitFor(() =>
      expect(
        a.logger.entries.map((e) => e.event),
        'the handler to end',
      ).toContain('session.disconnected'),
    );
    expect(a.logger.entries.find((e) => e.event === 'session.disconnected')?.fields).toMatchObject({
      session_id: requested.id,
      reason: 'ended',
      status: 'closed',
    });

    // The record and the history.
    const read = await person.api.operations.getRealtimeSession({
      params: { path: { session: requested.id } },
    });
    expect(read.data?.data).toMatchObject({
      status: 'closed',
      created_at: iso(T0),
      claimed_at: iso(T0),
      opened_at: iso(T0),
      closed_at: iso(T0 + 10),
      updated_at: iso(T0 + 10),
      last_agent_heartbeat_at: iso(T0),
    });
    const history = await person.api.operations.listRealtimeSignals({
      params: { path: { session: requested.id }, query: { limit: 200 } },
    });
    const all = history.data!.data;
    expect(all.map((s) => s.seq)).toEqual(all.map((_, i) => i + 1));
    expect(all.filter((s) => readChatMessage(s)?.type === 'chat.user')).toHaveLength(6);
    expect(all.filter((s) => readChatMessage(s)?.type === 'chat.agent.done')).toHaveLength(6);
    // Each reply streamed first: one chat.agent.delta per word, in order, before its done.
    const messages = all.flatMap((s) => {
      const message = readChatMessage(s);
      return message?.request_id === 'r-3' ? [message] : [];
    });
    expect(messages.map((m) => [m.type, m.payload])).toEqual([
      ['chat.user', { content: 'question 3' }],
      ['chat.agent.delta', { content: 'question ', index: 0 }],
      ['chat.agent.delta', { content: '3', index: 1 }],
      ['chat.agent.done', { content: 'question 3' }],
    ]);
    expect(all.filter((s) => s.type === 'session.status').map((s) => s.payload as object)).toEqual([
      { status: 'claimed', reason: 'claimed' },
      { status: 'active', reason: 'agent_connected' },
      { status: 'closed', reason: 'done' },
    ]);
  });

  it('on stop, closes each of its sessions "closed" with reason agent_shutdown', async () => {
    const clock = manualClock(T0);
    const server = await harness.server({ kind, clock });
    const team = await server.fixtures.team();
    const agentRow = await server.fixtures.agent(team.id);
    const heard: string[] = [];
    const listening: MessageHandler = {
      onMessage(signal) {
        heard.push(readChatMessage(signal)?.payload.content ?? '?');
      },
    };
    const a = harness.agent(server, agentRow.key, {
      handler: realtimeSessionHandler({ messages: listening }),
    });
    void a.agent.start();
    const person = await personOf(server, agentRow.id);
    const connections = [];
    for (let i = 0; i < 2; i++) {
      const requested = await person.request();
      const connection = connectPersonSession(person.api, requested);
      await connection.next('session', { match: (s) => s.status === 'active' });
      await connection.send(chatSignal('chat.user', `hello ${i}`, { requestId: `h-${i}` }));
      connections.push({ requested, connection });
    }
    await waitFor(() => expect(heard, 'both messages').toHaveLength(2));
    expect(heard.sort()).toEqual(['hello 0', 'hello 1']);

    clock.advance(7);
    await a.agent.stop();
    for (const { requested, connection } of connections) {
      const end = await connection.closed;
      expect(end).toMatchObject({ reason: 'ended', session: { status: 'closed' } });
      const read = await person.api.operations.getRealtimeSession({
        params: { path: { session: requested.id } },
      });
      expect(read.data?.data).toMatchObject({ status: 'closed', closed_at: iso(T0 + 7) });
      const signals = await person.api.operations.listRealtimeSignals({
        params: { path: { session: requested.id }, query: {} },
      });
      expect(signals.data!.data.at(-1)).toMatchObject({
        sender: 'system',
        type: 'session.status',
        payload: { status: 'closed', reason: 'agent_shutdown' },
      });
    }
    expect(
      a.logger.entries.filter((e) => e.event === 'session.closed').map((e) => e.fields.reason),
    ).toEqual(['agent_shutdown', 'agent_shutdown']);
  });
});

describe('the watch and the reconcile poll', () => {
  it('while the watch is up, the list is polled only to reconcile', async () => {
    const server = await harness.server();
    const team = await server.fixtures.team();
    const agentRow = await server.fixtures.agent(team.id);
    const a = harness.agent(server, agentRow.key, { reconcileMs: 30_000, pollMinMs: 10 });
    void a.agent.start();
    await waitFor(() =>
      expect(
        a.logger.entries.map((e) => e.event),
        'watch',
      ).toContain('watch.ready'),
    );
    // From the moment the watch is up, no list poll starts (for `reconcileMs`).
    const lists = () => a.fetch.requests.filter((r) => r.url.includes('/sessions/requested'));
    const before = lists().length;

    const sessions = [];
    for (let i = 0; i < 3; i++)
      sessions.push(await (await personOf(server, agentRow.id)).request());
    await waitFor(() => expect(a.handler.sessions, 'three claims').toHaveLength(3));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(lists().length).toBe(before);
    expect(a.handler.sessions.map((s) => s.id).sort()).toEqual(sessions.map((s) => s.id).sort());
  });

  it('when the watch drops, the list is polled at once, and again only to reconcile once it is back', async () => {
    const server = await harness.server();
    const team = await server.fixtures.team();
    const agentRow = await server.fixtures.agent(team.id);
    const { WebSocket, sockets } = trackedWebSocket();
    const a = harness.agent(server, agentRow.key, {
      WebSocket,
      reconnect: { minMs: 200, maxMs: 400 },
      reconcileMs: 60_000,
    });
    void a.agent.start();
    const ready = () => a.logger.entries.filter((e) => e.event === 'watch.ready').length;
    await waitFor(() => expect(ready(), 'the watch').toBe(1));
    const lists = () => a.fetch.requests.filter((r) => r.url.includes('/sessions/requested'));
    const before = lists().length;

    // While the watch is down, the poll is the way in: at once, then on its (fast, here) backoff.
    sockets[0]!.terminate();
    await waitFor(() => expect(lists().length, 'a poll at once').toBeGreaterThan(before));
    await waitFor(() => expect(ready(), 'the watch back').toBe(2));
    const after = lists().length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(lists().length).toBe(after);
  });

  it('while the watch cannot connect, the list poll is the way in', async () => {
    const server = await harness.server();
    const team = await server.fixtures.team();
    const agentRow = await server.fixtures.agent(team.id);
    // A watch socket that never opens: its URL points nowhere.
    const { WebSocket: Tracked } = trackedWebSocket();
    class Nowhere extends Tracked {
      constructor(url: string) {
        super(url.replace(/\/realtime\/watch\/socket/, '/no/such/socket'));
      }
    }
    const a = harness.agent(server, agentRow.key, {
      WebSocket: Nowhere,
      reconnect: { minMs: 50, maxMs: 200 },
      pollMinMs: 20,
      pollMaxMs: 50,
    });
    void a.agent.start();
    const session = await (await personOf(server, agentRow.id)).request();
    await waitFor(() => expect(a.handler.sessions, 'the claim').toHaveLength(1));
    expect(a.handler.sessions[0]!.id).toBe(session.id);
    expect(a.logger.entries.find((e) => e.event === 'session.claimed')?.fields.via).toBe('poll');
    expect(a.logger.entries.some((e) => e.event === 'watch.reconnecting')).toBe(true);
  });
});
