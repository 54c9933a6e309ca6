import {
  SEED_INSTANT,
  expectError,
  expectSessionShape,
  fieldErrors,
  inspect,
  iso,
  send,
  storeKinds,
} from '@agentmc/testkit';
import { describe, expect, it } from 'vitest';
import { useWorld } from './helpers.js';

const LIST = '/agents/realtime/sessions/requested';

describe.each(await storeKinds())('GET /agents/realtime/sessions/requested (%s)', (kind) => {
  const world = useWorld(kind, {}, { shared: true });

  it('answers {"data": [session]} with exactly the 14 fields, in order, timestamps to the second', async () => {
    const { api, server, agent, user, team } = world();
    const { id } = await server.fixtures.session({
      agentId: agent.id,
      userId: user.id,
      meta: { key: 'value' },
      ttlSeconds: 600,
    });

    const reply = await api.get(LIST, { key: agent.key });

    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Object.keys(reply.body)).toEqual(['data']);
    expect(reply.body.data).toHaveLength(1);
    expectSessionShape(reply.body.data[0], { exact: true });
    expect(reply.body.data[0]).toEqual({
      id,
      team_id: team.id,
      agent_id: agent.id,
      requested_by_user_id: user.id,
      status: 'requested',
      claimed_at: null,
      opened_at: null,
      closed_at: null,
      expires_at: iso(SEED_INSTANT + 600),
      last_browser_heartbeat_at: null,
      last_agent_heartbeat_at: null,
      meta: { key: 'value' },
      created_at: '2026-02-22T17:21:00Z',
      updated_at: '2026-02-22T17:21:00Z',
    });
  });

  it('answers {"data": []} when nothing is requested', async () => {
    const { api, agent } = world();
    const reply = await api.get(LIST, { key: agent.key });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ data: [] });
  });

  it('lists only the calling agent’s sessions, never another agent’s or another team’s', async () => {
    const { api, server, team, agent } = world();
    const sibling = await server.fixtures.agent(team.id);
    const otherTeam = await server.fixtures.team();
    const stranger = await server.fixtures.agent(otherTeam.id);
    const mine = await server.fixtures.session({ agentId: agent.id });
    await server.fixtures.session({ agentId: sibling.id });
    await server.fixtures.session({ agentId: stranger.id });

    const reply = await api.get(LIST, { key: agent.key });

    expect(reply.status).toBe(200);
    expect(reply.body.data.map((s: { id: number }) => s.id)).toEqual([mine.id]);
    expect(reply.body.data.every((s: { agent_id: number }) => s.agent_id === agent.id)).toBe(true);
  });

  it('lists only sessions in status requested', async () => {
    const { api, server, agent } = world();
    const waiting = await server.fixtures.session({ agentId: agent.id });
    for (const status of ['claimed', 'active', 'closed', 'failed', 'expired'] as const) {
      const { id } = await server.fixtures.session({ agentId: agent.id });
      await inspect(server.database)
        .query.updateTable('realtime_sessions')
        .set({ status })
        .where('id', '=', id)
        .execute();
    }

    const reply = await api.get(LIST, { key: agent.key });

    expect(reply.body.data.map((s: { id: number }) => s.id)).toEqual([waiting.id]);
  });

  it('drops a claimed session from the list', async () => {
    const { api, server, agent } = world();
    const first = await server.fixtures.session({ agentId: agent.id });
    const second = await server.fixtures.session({ agentId: agent.id });
    expect(
      (await api.post(`/agents/realtime/sessions/${first.id}/claim`, { key: agent.key })).status,
    ).toBe(200);

    const reply = await api.get(LIST, { key: agent.key });

    expect(reply.body.data.map((s: { id: number }) => s.id)).toEqual([second.id]);
  });

  it('leaves out a session once its expires_at has come', async () => {
    const { api, server, agent, clock } = world();
    const { id } = await server.fixtures.session({ agentId: agent.id, ttlSeconds: 60 });

    clock.advance(59);
    expect(
      (await api.get(LIST, { key: agent.key })).body.data.map((s: { id: number }) => s.id),
    ).toEqual([id]);
    clock.advance(1);
    expect((await api.get(LIST, { key: agent.key })).body.data).toEqual([]);
    clock.advance(3600);
    expect((await api.get(LIST, { key: agent.key })).body.data).toEqual([]);
  });

  it('orders newest first by created_at, then by id', async () => {
    const { api, server, agent } = world();
    const make = (now: number) => server.fixtures.session({ agentId: agent.id, now });
    // Created out of order, so that id order and created_at order disagree.
    const middle = await make(SEED_INSTANT - 60);
    const oldest = await make(SEED_INSTANT - 120);
    const newestA = await make(SEED_INSTANT);
    const newestB = await make(SEED_INSTANT);

    const reply = await api.get(LIST, { key: agent.key });

    expect(reply.body.data.map((s: { id: number }) => s.id)).toEqual([
      newestB.id,
      newestA.id,
      middle.id,
      oldest.id,
    ]);
  });

  it('returns at most 20 sessions when no limit is given, the newest ones', async () => {
    const { api, server, agent, clock } = world();
    const ids: number[] = [];
    for (let i = 0; i < 25; i++) {
      ids.push((await server.fixtures.session({ agentId: agent.id })).id);
      clock.advance(1);
    }

    const reply = await api.get(LIST, { key: agent.key });

    expect(reply.body.data.map((s: { id: number }) => s.id)).toEqual(ids.reverse().slice(0, 20));
  });

  it('returns at most limit sessions, for every limit from 1 to 100', async () => {
    const { api, server, agent } = world();
    for (let i = 0; i < 101; i++) await server.fixtures.session({ agentId: agent.id });

    for (const [limit, count] of [
      [1, 1],
      [7, 7],
      [20, 20],
      [100, 100],
    ] as const) {
      const reply = await api.get(`${LIST}?limit=${limit}`, { key: agent.key });
      expect(reply.status, `limit=${limit}`).toBe(200);
      expect(reply.body.data, `limit=${limit}`).toHaveLength(count);
    }
  });

  it.each(['0', '101', 'abc', '1.5', '-1', ''])(
    'answers 422 with details.fields.limit for limit=%j',
    async (limit) => {
      const { api, agent } = world();
      const reply = await api.get(`${LIST}?limit=${limit}`, { key: agent.key });
      const fields = fieldErrors(reply);
      expect(Object.keys(fields)).toEqual(['limit']);
      expect(fields.limit!.length).toBeGreaterThan(0);
    },
  );

  it('says which bound a limit broke', async () => {
    const { api, agent } = world();
    expect(fieldErrors(await api.get(`${LIST}?limit=101`, { key: agent.key })).limit).toEqual([
      'Must be at most 100.',
    ]);
    expect(fieldErrors(await api.get(`${LIST}?limit=0`, { key: agent.key })).limit).toEqual([
      'Must be at least 1.',
    ]);
  });

  it('answers 401 without a key', async () => {
    const { api } = world();
    expectError(await api.get(LIST), 401, 'auth.unauthenticated');
  });

  it('answers 401 for an unknown key', async () => {
    const { api } = world();
    expectError(await api.get(LIST, { key: 'amc_not-a-key' }), 401, 'auth.unauthenticated');
  });

  it('answers 401 for a revoked key', async () => {
    const { api, server, agent } = world();
    expect((await api.get(LIST, { key: agent.key })).status).toBe(200);
    await server.fixtures.revokeKey(agent.keyId);
    expectError(await api.get(LIST, { key: agent.key }), 401, 'auth.unauthenticated');
  });

  it('keeps the agent’s other keys working when one is revoked', async () => {
    const { api, server, agent } = world();
    const second = await server.fixtures.agentKey(agent.id);
    await server.fixtures.revokeKey(agent.keyId);
    expect((await api.get(LIST, { key: second.key })).status).toBe(200);
  });

  it('accepts the key as Authorization: Bearer', async () => {
    const { server, agent } = world();
    const { id } = await server.fixtures.session({ agentId: agent.id });
    const reply = await send(`${server.baseUrl}${LIST}`, 'GET', {
      headers: { Authorization: `Bearer ${agent.key}` },
    });
    expect(reply.status).toBe(200);
    expect(reply.body.data.map((s: { id: number }) => s.id)).toEqual([id]);
  });

  it('answers 401 for a Bearer header with an unknown key', async () => {
    const { server } = world();
    const reply = await send(`${server.baseUrl}${LIST}`, 'GET', {
      headers: { Authorization: 'Bearer amc_not-a-key' },
    });
    expectError(reply, 401, 'auth.unauthenticated');
  });

  it('answers 403 for a user’s key', async () => {
    const { api, user } = world();
    expectError(await api.get(LIST, { key: user.key }), 403, 'auth.forbidden');
  });

  it('answers 403 for a disabled agent', async () => {
    const { api, server, agent } = world();
    await server.fixtures.session({ agentId: agent.id });
    await server.fixtures.disableAgent(agent.id);
    expectError(await api.get(LIST, { key: agent.key }), 403, 'auth.forbidden');
  });

  it('checks the key before the query: 401 wins over a bad limit', async () => {
    const { api } = world();
    expectError(await api.get(`${LIST}?limit=abc`), 401, 'auth.unauthenticated');
  });
});
