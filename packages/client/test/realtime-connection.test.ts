import {
  agentSessionTickets,
  connectAgentSession,
  connectPersonSession,
  connectRealtime,
  RealtimeClosedError,
  RealtimeSignalError,
  RealtimeTicketError,
  type RealtimeTicket,
} from '@agentmc/api';
import { storeKinds, trackedWebSocket, waitFor } from '@agentmc/testkit';
import { describe, expect, it } from 'vitest';
import { collect, expectSeqs, useRealtimeWorld } from './realtime-helpers.js';

describe.each(await storeKinds())('connectRealtime on a real server (%s)', (kind) => {
  const world = useRealtimeWorld(kind);

  it('opens with the ticket, starts from the first signal, and sends and receives', async () => {
    const w = world();
    const requested = await w.request();
    // The person talks before any agent is there: the agent must still get it.
    await w.personSends(requested.id, 'anyone?');
    const claimed = await w.claim(requested.id);

    const agent = w.track(connectAgentSession(w.agentApi, claimed));
    const agentSignals = collect(agent);
    const person = w.track(connectPersonSession(w.personApi, requested));
    const personSignals = collect(person);

    const active = await agent.next('session', { match: (s) => s.status === 'active' });
    expect(active.opened_at).not.toBeNull();
    expect(agent.state).toBe('open');
    // seq 1: the person's message, 2: claimed, 3: active.
    await waitFor(() => expect(agentSignals, 'the first three signals').toHaveLength(3));
    expect(agentSignals.map((s) => [s.seq, s.sender, s.type])).toEqual([
      [1, 'browser', 'message'],
      [2, 'system', 'session.status'],
      [3, 'system', 'session.status'],
    ]);

    const reply = await agent.send({ type: 'message', payload: { text: 'here' } });
    expect(reply).toMatchObject({ seq: 4, sender: 'agent', payload: { text: 'here' } });
    await waitFor(() =>
      expect(
        personSignals.map((s) => s.id),
        'the reply at the person',
      ).toContain(reply.id),
    );
    expectSeqs(personSignals, 1, 4);
    expect(agent.lastSignalId).toBe(reply.id);
  });

  it('reconnects with a fresh ticket after a drop and resumes: nothing lost, nothing doubled', async () => {
    const w = world();
    const requested = await w.request();
    const claimed = await w.claim(requested.id);
    const tickets: RealtimeTicket[] = [];
    const fresh = agentSessionTickets(w.agentApi, claimed.id);
    const { WebSocket, sockets } = trackedWebSocket();
    const agent = w.track(
      connectRealtime({
        socket: claimed.socket,
        refresh: async () => {
          const ticket = await fresh();
          tickets.push(ticket);
          return ticket;
        },
        WebSocket,
      }),
    );
    const signals = collect(agent);
    const reconnects: number[] = [];
    agent.on('reconnecting', (info) => reconnects.push(info.code));
    await agent.next('ready');
    for (let i = 0; i < 5; i++) await w.personSends(requested.id, `before ${i}`);
    await waitFor(() => expect(signals, 'signals before the drop').toHaveLength(7));
    expect(tickets).toEqual([]); // the first socket used the claim's ticket

    // The network cuts the agent's socket; the person keeps talking meanwhile.
    sockets[0]!.terminate();
    const sending = (async () => {
      for (let i = 0; i < 30; i++) await w.personSends(requested.id, `during ${i}`);
    })();
    await agent.next('ready');
    await sending;
    for (let i = 0; i < 5; i++) await w.personSends(requested.id, `after ${i}`);

    await waitFor(() => expect(signals, 'every signal').toHaveLength(42));
    expectSeqs(signals, 1, 42);
    expect(reconnects).toEqual([1006]);
    expect(tickets).toHaveLength(1);
    expect(sockets).toHaveLength(2);
    expect(new URL(sockets[1]!.url).searchParams.get('ticket')).toBe(tickets[0]!.token);
  });

  it('repeats a send that was not confirmed before a drop, and it is written once', async () => {
    const w = world();
    const requested = await w.request();
    const claimed = await w.claim(requested.id);
    const { WebSocket, sockets } = trackedWebSocket();
    const agent = w.track(connectAgentSession(w.agentApi, claimed, { WebSocket }));
    await agent.next('ready');
    sockets[0]!.terminate();
    // Sent while the socket is down: it waits, then goes out after the reconnect.
    const sent = agent.send({ type: 'message', payload: { n: 1 }, idempotency_key: 'k-1' });
    const again = agent.send({ type: 'message', payload: { n: 1 }, idempotency_key: 'k-1' });
    const [first, second] = await Promise.all([sent, again]);
    expect(second.id).toBe(first.id);
    // The same key from another connection (another process of the agent, say): the server
    // answers with the first signal, never a twin.
    const other = w.track(connectAgentSession(w.agentApi, { id: claimed.id }));
    const third = await other.send({ type: 'message', payload: { n: 1 }, idempotency_key: 'k-1' });
    expect(third.id).toBe(first.id);

    const history = await w.history(requested.id);
    expect(history.filter((s) => s.sender === 'agent')).toHaveLength(1);
  });

  it('resumes after a given signal id', async () => {
    const w = world();
    const requested = await w.request();
    const sent = [];
    for (let i = 0; i < 6; i++) sent.push(await w.personSends(requested.id, `m ${i}`));
    const person = w.track(connectPersonSession(w.personApi, requested, { afterId: sent[2]!.id }));
    const signals = collect(person);
    await person.next('ready');
    await w.personSends(requested.id, 'live');
    await waitFor(() => expect(signals, 'the signals after the third').toHaveLength(4));
    expectSeqs(signals, 4, 7);
  });

  it('ends when the session ends; a send then rejects, and so does one pending', async () => {
    const w = world();
    const requested = await w.request();
    const claimed = await w.claim(requested.id);
    const agent = w.track(connectAgentSession(w.agentApi, claimed));
    await agent.next('ready');
    const statuses: string[] = [];
    agent.on('session', (s) => statuses.push(s.status));
    const neverReady = agent.next('ready');
    const abandoned = new AbortController();
    const aborted = agent.next('signal', { signal: abandoned.signal });
    abandoned.abort(new Error('not waiting any more'));
    await expect(aborted).rejects.toThrow('not waiting any more');

    const closed = await w.personApi.operations.closeRealtimeSession({
      params: { path: { session: requested.id } },
      body: { reason: 'done' },
    });
    expect(closed.status).toBe(200);
    const end = await agent.closed;
    expect(end.reason).toBe('ended');
    expect(end.session).toMatchObject({ id: requested.id, status: 'closed' });
    expect(statuses).toEqual(['closed']);
    expect(agent.state).toBe('closed');
    await expect(neverReady).rejects.toBeInstanceOf(RealtimeClosedError);
    await expect(agent.send({ type: 'message', payload: null })).rejects.toBeInstanceOf(
      RealtimeClosedError,
    );
  });

  it('stops for good when the API refuses a ticket (409 on an ended session)', async () => {
    const w = world();
    const requested = await w.request();
    await w.claim(requested.id);
    await w.agentApi.operations.closeAgentRealtimeSession({
      params: { path: { session: requested.id } },
      body: { status: 'failed', reason: 'model_unavailable' },
    });
    const agent = w.track(connectAgentSession(w.agentApi, { id: requested.id }));
    const end = await agent.closed;
    expect(end.reason).toBe('refused');
    expect(end.error).toBeInstanceOf(RealtimeTicketError);
    expect(end.error).toMatchObject({
      status: 409,
      code: 'realtime_session.ended',
      retryable: false,
    });
  });

  it('refuses to send a signal the contract does not allow, without sending it', async () => {
    const w = world();
    const requested = await w.request();
    const person = w.track(connectPersonSession(w.personApi, requested));
    await person.next('ready');
    const refused = await person.send({ type: 'not a type!', payload: null }).catch((e) => e);
    expect(refused).toBeInstanceOf(RealtimeSignalError);
    expect(refused).toMatchObject({ code: 'validation.failed' });
    expect(await w.history(requested.id)).toEqual([]);
  });

  it('close() ends the socket with 1000 and leaves the session as it is', async () => {
    const w = world();
    const requested = await w.request();
    const claimed = await w.claim(requested.id);
    const { WebSocket, sockets } = trackedWebSocket();
    const agent = connectAgentSession(w.agentApi, claimed, { WebSocket });
    await agent.next('session', { match: (s) => s.status === 'active' });
    const socketClosed = new Promise<number>((resolve) =>
      sockets[0]!.once('close', (code) => resolve(code)),
    );
    expect(await agent.close()).toMatchObject({ reason: 'closed' });
    expect(await socketClosed).toBe(1000);
    const read = await w.personApi.operations.getRealtimeSession({
      params: { path: { session: requested.id } },
    });
    expect(read.data?.data.status).toBe('active');
  });

  it('async iteration: signals() yields each signal and finishes when the session ends', async () => {
    const w = world();
    const requested = await w.request();
    const person = w.track(connectPersonSession(w.personApi, requested));
    const seen: number[] = [];
    const reading = (async () => {
      for await (const signal of person.signals()) seen.push(signal.seq);
    })();
    await person.next('ready');
    await w.personSends(requested.id, 'one');
    await w.personSends(requested.id, 'two');
    await w.personApi.operations.closeRealtimeSession({
      params: { path: { session: requested.id } },
      body: {},
    });
    await reading;
    expect(seen).toEqual([1, 2, 3]);
    // Asked again after the end: it finishes at once.
    for await (const signal of person.signals()) seen.push(signal.seq);
    expect(seen).toEqual([1, 2, 3]);
  });
});
