import {
  SEED_INSTANT,
  expectError,
  expectSessionShape,
  fieldErrors,
  inspect,
  iso,
  send,
  sessionFields,
  storeKinds,
} from '@agentmc/testkit';
import { describe, expect, it } from 'vitest';
import { useWorld } from './helpers.js';

const claimPath = (session: number | string) => `/agents/realtime/sessions/${session}/claim`;

describe.each(await storeKinds())('POST /agents/realtime/sessions/{session}/claim (%s)', (kind) => {
  const world = useWorld(kind, {}, { shared: true });

  it('answers 200 {"data": session} with status claimed and claimed_at set', async () => {
    const { api, server, agent, user, team, clock } = world();
    const { id } = await server.fixtures.session({
      agentId: agent.id,
      userId: user.id,
      meta: { topic: 'billing' },
    });
    clock.advance(5);

    const reply = await api.post(claimPath(id), { key: agent.key, json: {} });

    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Object.keys(reply.body)).toEqual(['data']);
    // A claim may carry more fields after the 14 (such as the realtime connection's details).
    expectSessionShape(reply.body.data, { exact: false });
    expect(reply.body.data).toMatchObject({
      id,
      team_id: team.id,
      agent_id: agent.id,
      requested_by_user_id: user.id,
      status: 'claimed',
      claimed_at: iso(SEED_INSTANT + 5),
      opened_at: null,
      closed_at: null,
      expires_at: iso(SEED_INSTANT + 600),
      last_browser_heartbeat_at: null,
      last_agent_heartbeat_at: null,
      meta: { topic: 'billing' },
      created_at: iso(SEED_INSTANT),
      updated_at: iso(SEED_INSTANT + 5),
    });
  });

  it('stores the claim: the session is claimed for good', async () => {
    const { api, server, agent } = world();
    const { id } = await server.fixtures.session({ agentId: agent.id });
    await api.post(claimPath(id), { key: agent.key, json: {} });
    const row = await inspect(server.database).session(id);
    expect(row).toMatchObject({ status: 'claimed', claimed_at: SEED_INSTANT });
  });

  it('accepts an absent body', async () => {
    const { api, server, agent } = world();
    const { id } = await server.fixtures.session({ agentId: agent.id });
    const reply = await api.post(claimPath(id), { key: agent.key });
    expect(reply.status).toBe(200);
    expect(reply.body.data.status).toBe('claimed');
  });

  it('accepts any JSON object as the body', async () => {
    const { api, server, agent } = world();
    const { id } = await server.fixtures.session({ agentId: agent.id });
    const reply = await api.post(claimPath(id), {
      key: agent.key,
      json: { reason: 'hello', nested: { n: 1 } },
    });
    expect(reply.status).toBe(200);
  });

  it('answers 404 for a session that does not exist', async () => {
    const { api, agent } = world();
    expectError(
      await api.post(claimPath(999_999), { key: agent.key, json: {} }),
      404,
      'resource.not_found',
    );
  });

  it('answers 404 for another team’s session, with the same body as for a missing one', async () => {
    const { api, server, agent } = world();
    const otherTeam = await server.fixtures.team();
    const stranger = await server.fixtures.agent(otherTeam.id);
    const theirs = await server.fixtures.session({ agentId: stranger.id });

    const forbidden = await api.post(claimPath(theirs.id), { key: agent.key, json: {} });
    const missing = await api.post(claimPath(999_999), { key: agent.key, json: {} });

    expectError(forbidden, 404, 'resource.not_found');
    expect(forbidden.body).toEqual(missing.body);
    expect(await inspect(server.database).session(theirs.id)).toMatchObject({
      status: 'requested',
    });
  });

  it('answers 403 for a session of another agent of the same team, and leaves it requested', async () => {
    const { api, server, team, agent } = world();
    const sibling = await server.fixtures.agent(team.id);
    const theirs = await server.fixtures.session({ agentId: sibling.id });

    expectError(
      await api.post(claimPath(theirs.id), { key: agent.key, json: {} }),
      403,
      'auth.forbidden',
    );
    expect(await inspect(server.database).session(theirs.id)).toMatchObject({
      status: 'requested',
    });
  });

  it('answers 409 realtime_session.not_claimable with details.status for a claimed session', async () => {
    const { api, server, agent } = world();
    const { id } = await server.fixtures.session({ agentId: agent.id });
    expect((await api.post(claimPath(id), { key: agent.key, json: {} })).status).toBe(200);

    const again = await api.post(claimPath(id), { key: agent.key, json: {} });

    const error = expectError(again, 409, 'realtime_session.not_claimable');
    expect(error.details).toMatchObject({
      status: 'claimed',
      agent_id: agent.id,
      claimed_at: iso(SEED_INSTANT),
    });
  });

  it.each(['active', 'closed', 'failed'] as const)(
    'answers 409 realtime_session.not_claimable with details.status for a %s session',
    async (status) => {
      const { api, server, agent } = world();
      const { id } = await server.fixtures.session({ agentId: agent.id });
      await inspect(server.database)
        .query.updateTable('realtime_sessions')
        .set({ status })
        .where('id', '=', id)
        .execute();

      const reply = await api.post(claimPath(id), { key: agent.key, json: {} });

      expect(expectError(reply, 409, 'realtime_session.not_claimable').details).toMatchObject({
        status,
      });
      expect(await inspect(server.database).session(id)).toMatchObject({ status });
    },
  );

  it('answers 409 realtime_session.expired for a requested session past expires_at, and marks it expired', async () => {
    const { api, server, agent, clock } = world();
    const { id } = await server.fixtures.session({ agentId: agent.id, ttlSeconds: 60 });
    clock.advance(61);

    const reply = await api.post(claimPath(id), { key: agent.key, json: {} });

    expect(expectError(reply, 409, 'realtime_session.expired').details).toMatchObject({
      status: 'expired',
    });
    expect(await inspect(server.database).session(id)).toMatchObject({
      status: 'expired',
      claimed_at: null,
      updated_at: SEED_INSTANT + 61,
    });
  });

  it('answers 409 realtime_session.expired again for a session already marked expired', async () => {
    const { api, server, agent, clock } = world();
    const { id } = await server.fixtures.session({ agentId: agent.id, ttlSeconds: 60 });
    clock.advance(61);
    await api.post(claimPath(id), { key: agent.key, json: {} });

    const again = await api.post(claimPath(id), { key: agent.key, json: {} });

    expect(expectError(again, 409, 'realtime_session.expired').details).toMatchObject({
      status: 'expired',
    });
  });

  it('claims a session one second before its expires_at', async () => {
    const { api, server, agent, clock } = world();
    const { id } = await server.fixtures.session({ agentId: agent.id, ttlSeconds: 60 });
    clock.advance(59);
    expect((await api.post(claimPath(id), { key: agent.key, json: {} })).status).toBe(200);
  });

  it.each(['abc', '0', '-1', '1.5'])(
    'answers 422 with details.fields.session for path %j',
    async (session) => {
      const { api, agent } = world();
      const fields = fieldErrors(await api.post(claimPath(session), { key: agent.key, json: {} }));
      expect(Object.keys(fields)).toEqual(['session']);
    },
  );

  it.each([
    ['an array', '[]'],
    ['a string', '"claim"'],
    ['a number', '42'],
    ['null', 'null'],
    ['malformed JSON', '{"oops":'],
  ])('answers 422 for a body that is %s, and leaves the session requested', async (_what, body) => {
    const { api, server, agent } = world();
    const { id } = await server.fixtures.session({ agentId: agent.id });

    const reply = await api.post(claimPath(id), {
      key: agent.key,
      body,
      headers: { 'Content-Type': 'application/json' },
    });

    expect(Object.keys(fieldErrors(reply))).toEqual(['body']);
    expect(await inspect(server.database).session(id)).toMatchObject({ status: 'requested' });
  });

  it('answers 422 for a body that is not JSON, whatever its Content-Type', async () => {
    const { api, server, agent } = world();
    const { id } = await server.fixtures.session({ agentId: agent.id });
    const reply = await api.post(claimPath(id), {
      key: agent.key,
      body: 'please',
      headers: { 'Content-Type': 'text/plain' },
    });
    fieldErrors(reply);
  });

  it('answers 401 without a key, with an unknown key, and with a revoked key', async () => {
    const { api, server, agent } = world();
    const { id } = await server.fixtures.session({ agentId: agent.id });
    expectError(await api.post(claimPath(id), { json: {} }), 401, 'auth.unauthenticated');
    expectError(
      await api.post(claimPath(id), { key: 'amc_nope', json: {} }),
      401,
      'auth.unauthenticated',
    );
    await server.fixtures.revokeKey(agent.keyId);
    expectError(
      await api.post(claimPath(id), { key: agent.key, json: {} }),
      401,
      'auth.unauthenticated',
    );
    expect(await inspect(server.database).session(id)).toMatchObject({ status: 'requested' });
  });

  it('accepts the key as Authorization: Bearer', async () => {
    const { server, agent } = world();
    const { id } = await server.fixtures.session({ agentId: agent.id });
    const reply = await send(`${server.baseUrl}${claimPath(id)}`, 'POST', {
      headers: { Authorization: `Bearer ${agent.key}` },
      json: {},
    });
    expect(reply.status).toBe(200);
  });

  it('answers 403 for a user’s key', async () => {
    const { api, server, agent, user } = world();
    const { id } = await server.fixtures.session({ agentId: agent.id });
    expectError(await api.post(claimPath(id), { key: user.key, json: {} }), 403, 'auth.forbidden');
  });

  it('answers 403 for a disabled agent, and leaves the session requested', async () => {
    const { api, server, agent } = world();
    const { id } = await server.fixtures.session({ agentId: agent.id });
    await server.fixtures.disableAgent(agent.id);
    expectError(await api.post(claimPath(id), { key: agent.key, json: {} }), 403, 'auth.forbidden');
    expect(await inspect(server.database).session(id)).toMatchObject({ status: 'requested' });
  });

  it('lets another key of the same agent claim (a second process of that agent)', async () => {
    const { api, server, agent } = world();
    const second = await server.fixtures.agentKey(agent.id);
    const { id } = await server.fixtures.session({ agentId: agent.id });
    expect((await api.post(claimPath(id), { key: second.key, json: {} })).status).toBe(200);
  });

  it('repeats a won claim with the same Idempotency-Key as 200; another key or none gets 409', async () => {
    const { api, server, agent, clock } = world();
    const { id } = await server.fixtures.session({ agentId: agent.id });
    const claim = (idempotencyKey?: string) =>
      api.post(claimPath(id), {
        key: agent.key,
        json: {},
        ...(idempotencyKey ? { headers: { 'Idempotency-Key': idempotencyKey } } : {}),
      });

    const first = await claim('claim-attempt-1');
    clock.advance(3);
    const repeat = await claim('claim-attempt-1');
    const other = await claim('claim-attempt-2');
    const none = await claim();

    expect(first.status).toBe(200);
    expect(repeat.status).toBe(200);
    expect(sessionFields(repeat.body.data)).toEqual(sessionFields(first.body.data));
    expect(expectError(other, 409, 'realtime_session.not_claimable').details).toMatchObject({
      status: 'claimed',
    });
    expectError(none, 409, 'realtime_session.not_claimable');
  });

  it('answers 409, not 200, to an Idempotency-Key repeat once the session has ended', async () => {
    const { api, server, agent } = world();
    const { id } = await server.fixtures.session({ agentId: agent.id });
    const headers = { 'Idempotency-Key': 'k-1' };
    expect((await api.post(claimPath(id), { key: agent.key, json: {}, headers })).status).toBe(200);
    await inspect(server.database)
      .query.updateTable('realtime_sessions')
      .set({ status: 'closed' })
      .where('id', '=', id)
      .execute();

    const reply = await api.post(claimPath(id), { key: agent.key, json: {}, headers });

    expect(expectError(reply, 409, 'realtime_session.not_claimable').details).toMatchObject({
      status: 'closed',
    });
  });

  it('answers 422 for an empty Idempotency-Key', async () => {
    const { api, server, agent } = world();
    const { id } = await server.fixtures.session({ agentId: agent.id });
    const reply = await api.post(claimPath(id), {
      key: agent.key,
      json: {},
      headers: { 'Idempotency-Key': '' },
    });
    expect(Object.keys(fieldErrors(reply))).toEqual(['idempotency-key']);
  });
});
