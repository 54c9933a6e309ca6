import { SOCKET_CLOSE_CODES } from '@agentmc/contract';
import { describe, expect, it } from 'vitest';
import { manualClock, startTestServer, storeKinds } from '../../src/testing/index.js';
import { T0, TestSocket, connected, withQuietSweeper, worldOn } from './harness.js';

describe.each(await storeKinds())('shutting down (%s)', (kind) => {
  it('tells every socket to go elsewhere (1001) and leaves the sessions as they were', async () => {
    const clock = manualClock(T0);
    const server = await startTestServer({ kind, clock, config: withQuietSweeper({}) });
    const team = await server.fixtures.team();
    const w = worldOn(server, clock, {
      team,
      user: await server.fixtures.user(team.id),
      agent: await server.fixtures.agent(team.id),
    });
    const { id, browser, agent } = await connected(w);
    const watchTicket = await w.bot('POST', '/agents/realtime/watch', {});
    const watch = await TestSocket.watch(watchTicket.body.data.url);
    await watch.next('ready');

    const stored = server.store;
    const closing = server.realtime.close();
    for (const socket of [browser, agent, watch]) {
      expect((await socket.closed).code).toBe(SOCKET_CLOSE_CODES.goingAway);
    }
    await closing;
    expect((await stored.sessions.find(id))?.status).toBe('active');
    await server.close();
  });
});
