import { SOCKET_CLOSE_CODES } from '@agentmc/contract';
import {
  TestSocket,
  inspect,
  manualClock,
  startTestServer,
  storeKinds,
  world,
} from '@agentmc/testkit';
import { describe, expect, it } from 'vitest';
import { withQuietSweeper } from '../helpers.js';
import { T0, connected, worldOn } from './harness.js';

describe.each(await storeKinds())('shutting down (%s)', (kind) => {
  it('tells every socket to go elsewhere (1001) and leaves the sessions as they were', async () => {
    const clock = manualClock(T0);
    const server = await startTestServer({ kind, clock, config: withQuietSweeper({}) });
    const w = worldOn(server, clock, await world(server));
    const { id, browser, agent } = await connected(w);
    const watchTicket = await w.bot('POST', '/agents/realtime/watch', {});
    const watch = await TestSocket.watch(watchTicket.body.data.url);
    await watch.next('ready');

    const closing = server.realtime.close();
    for (const socket of [browser, agent, watch]) {
      expect((await socket.closed).code).toBe(SOCKET_CLOSE_CODES.goingAway);
    }
    await closing;
    expect((await inspect(server.database).session(id))?.status).toBe('active');
    await server.close();
  });
});
