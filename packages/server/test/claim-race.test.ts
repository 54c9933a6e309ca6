import { expectError, inspect, storeKinds, type Api } from '@agentmc/testkit';
import { describe, expect, it } from 'vitest';
import { useWorld } from './helpers.js';

const claimPath = (session: number) => `/agents/realtime/sessions/${session}/claim`;

/** A random permutation, so that concurrent claimers do not march in step. */
function shuffled<T>(items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

/**
 * One claimer, the way an agent works: list what is requested, try to claim each, repeat until
 * the list is empty. Returns the ids it won.
 */
async function claimer(api: Api, key: string): Promise<{ won: number[]; lost: number }> {
  const won: number[] = [];
  let lost = 0;
  for (;;) {
    const list = await api.get('/agents/realtime/sessions/requested?limit=100', { key });
    expect(list.status).toBe(200);
    const ids = (list.body.data as { id: number }[]).map((s) => s.id);
    if (ids.length === 0) return { won, lost };
    for (const id of shuffled(ids)) {
      const reply = await api.post(claimPath(id), { key, json: {} });
      if (reply.status === 200) won.push(id);
      else {
        expectError(reply, 409, 'realtime_session.not_claimable');
        lost++;
      }
    }
  }
}

describe.each(await storeKinds())('concurrent claims (%s)', (kind) => {
  const world = useWorld(kind, {}, { shared: true });

  it('50 concurrent claims of one session: exactly one 200, 49 × 409', async () => {
    const { api, server, agent } = world();
    const { id } = await server.fixtures.session({ agentId: agent.id });

    const started = performance.now();
    const replies = await Promise.all(
      Array.from({ length: 50 }, () => api.post(claimPath(id), { key: agent.key, json: {} })),
    );
    const ms = Math.round(performance.now() - started);

    const won = replies.filter((r) => r.status === 200);
    const conflicts = replies.filter((r) => r.status === 409);
    console.log(
      `claim race (${kind}): 50 concurrent claims of 1 session → ${won.length} × 200, ${conflicts.length} × 409, ${ms} ms`,
    );
    expect(won).toHaveLength(1);
    expect(conflicts).toHaveLength(49);
    for (const reply of conflicts) {
      expect(expectError(reply, 409, 'realtime_session.not_claimable').details).toMatchObject({
        status: 'claimed',
        agent_id: agent.id,
      });
    }
    expect(await inspect(server.database).session(id)).toMatchObject({ status: 'claimed' });
  });

  // About 1,600 requests: on two busy cores, with other test files beside it, more than 30 s.
  it('200 sessions, 8 concurrent claimers: each session claimed exactly once, none lost', async () => {
    const { api, server, agent } = world();
    const sessions: number[] = [];
    for (let i = 0; i < 200; i++) {
      sessions.push((await server.fixtures.session({ agentId: agent.id })).id);
    }
    const keys = [agent.key];
    while (keys.length < 8) keys.push((await server.fixtures.agentKey(agent.id)).key);

    const started = performance.now();
    const results = await Promise.all(keys.map((key) => claimer(api, key)));
    const ms = Math.round(performance.now() - started);

    const wins = new Map<number, number>();
    for (const { won } of results) for (const id of won) wins.set(id, (wins.get(id) ?? 0) + 1);
    const twice = [...wins.values()].filter((n) => n > 1).length;
    const lost = sessions.filter((id) => !wins.has(id)).length;
    const claims = results.reduce((n, r) => n + r.won.length + r.lost, 0);
    console.log(
      `claim race (${kind}): 200 sessions, 8 claimers, ${claims} claims → ${wins.size} claimed, ` +
        `${twice} twice, ${lost} lost, per claimer [${results.map((r) => r.won.length).join(', ')}], ${ms} ms`,
    );
    expect(twice).toBe(0);
    expect(lost).toBe(0);
    expect([...wins.keys()].sort((a, b) => a - b)).toEqual(sessions);
    const rows = await inspect(server.database)
      .query.selectFrom('realtime_sessions')
      .select(['status'])
      .where('id', 'in', sessions)
      .execute();
    expect(rows.every((r) => r.status === 'claimed')).toBe(true);
  }, 120_000);
});
