import { expectError, storeKinds } from '@agentmc/testkit';
import { describe, expect, it } from 'vitest';
import { useWorld } from './helpers.js';

const LIST = '/agents/realtime/sessions/requested';
const claimPath = (id: number) => `/agents/realtime/sessions/${id}/claim`;

// The agent's list and claim may take a key from memory: their own statements check it again.
// These revoke and disable straight in the store, as another process would, with nothing on any
// bus: the very next request must already be refused.
describe.each(await storeKinds())('remembered API keys on the hot routes (%s)', (kind) => {
  const world = useWorld(kind, {}, { shared: true });

  it('refuses a claim through a key revoked after it was remembered, and claims nothing', async () => {
    const { api, server, agent, user } = world();
    expect((await api.get(LIST, { key: agent.key })).status).toBe(200);
    const { id } = await server.fixtures.session({ agentId: agent.id, userId: user.id });

    await server.fixtures.revokeKey(agent.keyId);

    expectError(
      await api.post(claimPath(id), { key: agent.key, json: {} }),
      401,
      'auth.unauthenticated',
    );
    const second = await server.fixtures.agentKey(agent.id);
    const listed = await api.get(LIST, { key: second.key });
    expect(listed.body.data.map((s: { id: number }) => s.id)).toContain(id);
  });

  it('refuses the list and the claim of an agent disabled after its key was remembered', async () => {
    const { api, server, agent, user } = world();
    const { id } = await server.fixtures.session({ agentId: agent.id, userId: user.id });
    expect((await api.get(LIST, { key: agent.key })).status).toBe(200);

    await server.fixtures.disableAgent(agent.id);

    expectError(await api.get(LIST, { key: agent.key }), 403, 'auth.forbidden');
    expectError(await api.post(claimPath(id), { key: agent.key, json: {} }), 403, 'auth.forbidden');
  });

  it('answers an empty list for a remembered key that still stands', async () => {
    const { api, agent } = world();
    expect((await api.get(LIST, { key: agent.key })).body).toEqual({ data: [] });
    expect((await api.get(LIST, { key: agent.key })).body).toEqual({ data: [] });
  });

  it('keeps other routes asking the store: a revoked key gets 401 on the signals route too', async () => {
    const { api, server, agent, user } = world();
    const { id } = await server.fixtures.session({ agentId: agent.id, userId: user.id });
    expect((await api.post(claimPath(id), { key: agent.key, json: {} })).status).toBe(200);

    await server.fixtures.revokeKey(agent.keyId);

    expectError(
      await api.get(`/agents/realtime/sessions/${id}/signals`, { key: agent.key }),
      401,
      'auth.unauthenticated',
    );
  });
});
