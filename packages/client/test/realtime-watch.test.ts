import { connectAgentWatch, RealtimeTicketError, type AgentRealtimeSession } from '@agentmc/api';
import { storeKinds, trackedWebSocket, waitFor } from '@agentmc/testkit';
import { describe, expect, it } from 'vitest';
import { useRealtimeWorld } from './realtime-helpers.js';

describe.each(await storeKinds())('connectAgentWatch (%s)', (kind) => {
  const world = useRealtimeWorld(kind);

  it('pushes a session the moment the person requests it', async () => {
    const w = world();
    const watch = w.track(connectAgentWatch(w.agentApi));
    const ready = await watch.next('ready');
    expect(ready.agent_id).toBe(w.agent.id);
    const pushed = watch.next('requested');
    const requested = await w.request({ topic: 'billing' });
    expect(await pushed).toMatchObject({
      id: requested.id,
      status: 'requested',
      meta: { topic: 'billing' },
    });
  });

  it('pushes the sessions still waiting when it opens, and again after a reconnect', async () => {
    const w = world();
    const first = await w.request();
    const second = await w.request();
    const { WebSocket, sockets } = trackedWebSocket();
    const watch = w.track(connectAgentWatch(w.agentApi, { WebSocket }));
    const pushed: AgentRealtimeSession[] = [];
    watch.on('requested', (session) => pushed.push(session));
    await waitFor(() => expect(pushed, 'the backlog').toHaveLength(2));
    expect(pushed.map((s) => s.id)).toEqual([second.id, first.id]);

    await w.claim(second.id);
    sockets[0]!.terminate();
    await watch.next('reconnecting');
    await watch.next('ready');
    await waitFor(() => expect(pushed, 'the backlog again').toHaveLength(3));
    expect(pushed[2]!.id).toBe(first.id);
  });

  it('stops for good when the key may not watch (a person’s key: 403)', async () => {
    const w = world();
    const watch = w.track(connectAgentWatch(w.personApi));
    const end = await watch.closed;
    expect(end.reason).toBe('refused');
    expect(end.error).toBeInstanceOf(RealtimeTicketError);
    expect(end.error).toMatchObject({ status: 403, retryable: false });
  });
});
