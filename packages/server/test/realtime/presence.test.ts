import {
  TestSocket,
  iso,
  manualClock,
  startTestServer,
  storeKinds,
  waitFor,
  world,
  type TestServer,
} from '@agentmc/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { T0, replicaOf, useWorld, worldOn, type World } from './harness.js';

/** The team's agents as the person sees them. */
async function agents(w: World) {
  const reply = await w.person('GET', '/realtime/agents');
  expect(reply.status).toBe(200);
  return reply.body.data as {
    id: number;
    name: string;
    online: boolean;
    last_seen_at: string | null;
  }[];
}

async function openWatch(w: World) {
  const ticket = await w.bot('POST', '/agents/realtime/watch', {});
  const socket = await TestSocket.watch(ticket.body.data.url);
  await socket.next('ready');
  return socket;
}

describe.each(await storeKinds())(
  'GET /realtime/agents: the team’s agents and presence (%s)',
  (kind) => {
    const world = useWorld(kind, {}, { shared: true });

    it('answers {"data": [{id, name, online, last_seen_at}]} for the caller’s team only, without disabled agents', async () => {
      const w = world();
      const second = await w.server.fixtures.agent(w.team.id, 'Second');
      const disabled = await w.server.fixtures.agent(w.team.id, 'Disabled');
      await w.server.fixtures.disableAgent(disabled.id);
      const otherTeam = await w.server.fixtures.team();
      await w.server.fixtures.agent(otherTeam.id);

      const listed = await agents(w);
      expect(listed.map((a) => a.id)).toEqual([w.agent.id, second.id]);
      expect(listed[1]).toEqual({
        id: second.id,
        name: 'Second',
        online: false,
        last_seen_at: null,
      });
      expect(Object.keys(listed[0]!)).toEqual(['id', 'name', 'online', 'last_seen_at']);
    });

    it('is the person’s: an agent key is 403, no key 401', async () => {
      const w = world();
      expect((await w.bot('GET', '/realtime/agents')).status).toBe(403);
      expect((await w.api.get('/realtime/agents')).status).toBe(401);
    });

    it('shows an agent online while its watch socket is open, and when it was last seen', async () => {
      const w = world();
      const first = await openWatch(w);
      const second = await openWatch(w);
      const online = (await agents(w)).find((a) => a.id === w.agent.id)!;
      expect(online.online).toBe(true);
      await waitFor(async () =>
        expect((await agents(w)).find((a) => a.id === w.agent.id)!.last_seen_at).toBe(iso(T0)),
      );

      // Online while any of its watch sockets is open.
      await first.close();
      await waitFor(async () => expect(w.server.realtime.sockets.counts.watchers).toBe(1));
      expect((await agents(w)).find((a) => a.id === w.agent.id)!.online).toBe(true);
      w.clock.advance(30);
      await second.close();
      await waitFor(async () => {
        const offline = (await agents(w)).find((a) => a.id === w.agent.id)!;
        expect(offline).toMatchObject({ online: false, last_seen_at: iso(T0 + 30) });
      });
    });
  },
);

describe.each(await storeKinds())('presence across replicas (%s)', (kind) => {
  const servers: TestServer[] = [];
  afterEach(async () => {
    // The replica first: the first server owns (and drops) the database.
    for (const server of servers.splice(0).reverse()) await server.close();
  });

  it('shows an agent watching on one replica online on the other, and offline once it leaves', async () => {
    const clock = manualClock(T0);
    const config = { realtime: { sweepIntervalSeconds: 3_600, presenceIntervalSeconds: 1 } };
    const first = await startTestServer({ kind, clock, config });
    servers.push(first);
    const second = await replicaOf(first, clock, config);
    servers.push(second);
    const ids = await world(first);
    const a = worldOn(first, clock, ids);
    const b = worldOn(second, clock, ids);

    const watch = await openWatch(a);
    await waitFor(async () =>
      expect((await agents(b)).find((x) => x.id === ids.agent.id)!.online).toBe(true),
    );
    await watch.close();
    await waitFor(async () =>
      expect((await agents(b)).find((x) => x.id === ids.agent.id)!.online).toBe(false),
    );
  });

  it('tells a replica that starts later who is online, and keeps saying it every interval', async () => {
    const clock = manualClock(T0);
    const config = { realtime: { sweepIntervalSeconds: 3_600, presenceIntervalSeconds: 1 } };
    const first = await startTestServer({ kind, clock, config });
    servers.push(first);
    const ids = await world(first);
    const a = worldOn(first, clock, ids);
    const watch = await openWatch(a);

    // The second replica starts after the agent came online: it asks, the first answers.
    const second = await replicaOf(first, clock, config);
    servers.push(second);
    const b = worldOn(second, clock, ids);
    await waitFor(async () =>
      expect((await agents(b)).find((x) => x.id === ids.agent.id)!.online).toBe(true),
    );

    // A word lapses after three intervals: past that, the agent is online on the second replica
    // again only because the first repeats itself every interval.
    clock.advance(10);
    await waitFor(async () =>
      expect((await agents(b)).find((x) => x.id === ids.agent.id)!.online).toBe(true),
    );
    await watch.close();
  });
});
