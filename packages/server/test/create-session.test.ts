import {
  SEED_INSTANT,
  expectError,
  expectSessionShape,
  fieldErrors,
  inspect,
  iso,
  sessionFields,
  storeKinds,
} from '@agentmc/testkit';
import { describe, expect, it } from 'vitest';
import { useWorld } from './helpers.js';

const CREATE = '/realtime/sessions';

describe.each(await storeKinds())('POST /realtime/sessions (%s)', (kind) => {
  const world = useWorld(kind, {}, { shared: true });

  it('answers 201 {"data": session}: requested, by the calling person, expiring after the default TTL of 600 s', async () => {
    const { api, agent, user, team } = world();

    const reply = await api.post(CREATE, { key: user.key, json: { agent_id: agent.id } });

    expect(reply.status).toBe(201);
    expect(Object.keys(reply.body)).toEqual(['data']);
    // The person's answer may carry more after the 14 fields (such as a websocket ticket).
    expectSessionShape(reply.body.data, { exact: false });
    expect(sessionFields(reply.body.data)).toEqual({
      id: expect.any(Number),
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
      meta: null,
      created_at: iso(SEED_INSTANT),
      updated_at: iso(SEED_INSTANT),
    });
  });

  it('stores meta and shows it to the agent in its list', async () => {
    const { api, agent, user } = world();
    const meta = { topic: 'billing', nested: { ok: true, n: [1, 2, 3] }, note: 'é ✓' };

    const created = await api.post(CREATE, { key: user.key, json: { agent_id: agent.id, meta } });
    const listed = await api.get('/agents/realtime/sessions/requested', { key: agent.key });

    expect(created.body.data.meta).toEqual(meta);
    expect(listed.body.data).toEqual([sessionFields(created.body.data)]);
  });

  it('honours ttl_seconds: expires_at = now + ttl_seconds', async () => {
    const { api, agent, user } = world();
    const reply = await api.post(CREATE, {
      key: user.key,
      json: { agent_id: agent.id, ttl_seconds: 90 },
    });
    expect(reply.status).toBe(201);
    expect(reply.body.data.expires_at).toBe(iso(SEED_INSTANT + 90));
  });

  it.each([10, 86_400])('accepts ttl_seconds at its bound %i', async (ttl) => {
    const { api, agent, user } = world();
    const reply = await api.post(CREATE, {
      key: user.key,
      json: { agent_id: agent.id, ttl_seconds: ttl },
    });
    expect(reply.status).toBe(201);
    expect(reply.body.data.expires_at).toBe(iso(SEED_INSTANT + ttl));
  });

  it.each([9, 86_401, 0, -5, 12.5, '60'])(
    'answers 422 with details.fields.ttl_seconds for ttl_seconds %j',
    async (ttl) => {
      const { api, agent, user } = world();
      const reply = await api.post(CREATE, {
        key: user.key,
        json: { agent_id: agent.id, ttl_seconds: ttl },
      });
      expect(Object.keys(fieldErrors(reply))).toEqual(['ttl_seconds']);
    },
  );

  it('answers 422 naming an unknown body field', async () => {
    const { api, agent, user } = world();
    const reply = await api.post(CREATE, {
      key: user.key,
      json: { agent_id: agent.id, status: 'claimed' },
    });
    const fields = fieldErrors(reply);
    expect(Object.values(fields).flat().join(' ')).toContain('status');
  });

  it.each([
    ['without agent_id', {}],
    ['with agent_id as a string', { agent_id: '1' }],
    ['with agent_id 0', { agent_id: 0 }],
    ['with meta as an array', { agent_id: 1, meta: [1] }],
  ])('answers 422 for a body %s', async (_what, body) => {
    const { api, user } = world();
    fieldErrors(await api.post(CREATE, { key: user.key, json: body }));
  });

  it('answers 422 for a body that is not a JSON object', async () => {
    const { api, user } = world();
    fieldErrors(await api.post(CREATE, { key: user.key, json: [] }));
    fieldErrors(
      await api.post(CREATE, {
        key: user.key,
        body: '{"agent_id":',
        headers: { 'Content-Type': 'application/json' },
      }),
    );
  });

  it('answers 404 for an agent of another team, as for an agent that does not exist', async () => {
    const { api, server, user } = world();
    const otherTeam = await server.fixtures.team();
    const stranger = await server.fixtures.agent(otherTeam.id);
    // The server serves the whole describe: no session may be added by these two requests.
    const before = await inspect(server.database).count('realtime_sessions');

    const theirs = await api.post(CREATE, { key: user.key, json: { agent_id: stranger.id } });
    const missing = await api.post(CREATE, { key: user.key, json: { agent_id: 999_999 } });

    expectError(theirs, 404, 'resource.not_found');
    expect(theirs.body).toEqual(missing.body);
    expect(await inspect(server.database).count('realtime_sessions')).toBe(before);
  });

  it('answers 422 for a disabled agent of the team', async () => {
    const { api, server, agent, user } = world();
    await server.fixtures.disableAgent(agent.id);
    const fields = fieldErrors(
      await api.post(CREATE, { key: user.key, json: { agent_id: agent.id } }),
    );
    expect(Object.keys(fields)).toEqual(['agent_id']);
  });

  it('answers 403 for an agent’s key', async () => {
    const { api, agent } = world();
    expectError(
      await api.post(CREATE, { key: agent.key, json: { agent_id: agent.id } }),
      403,
      'auth.forbidden',
    );
  });

  it('answers 401 without a key and with a revoked key', async () => {
    const { api, server, agent, user } = world();
    expectError(
      await api.post(CREATE, { json: { agent_id: agent.id } }),
      401,
      'auth.unauthenticated',
    );
    await server.fixtures.revokeKey(user.keyId);
    expectError(
      await api.post(CREATE, { key: user.key, json: { agent_id: agent.id } }),
      401,
      'auth.unauthenticated',
    );
  });
});

describe.each(await storeKinds())(
  'POST /realtime/sessions with SESSION_TTL_SECONDS=120 (%s)',
  (kind) => {
    const world = useWorld(kind, { sessionTtlSeconds: 120 }, { shared: true });

    it('uses the configured TTL when the body gives none', async () => {
      const { api, agent, user } = world();
      const reply = await api.post(CREATE, { key: user.key, json: { agent_id: agent.id } });
      expect(reply.body.data.expires_at).toBe(iso(SEED_INSTANT + 120));
    });
  },
);
