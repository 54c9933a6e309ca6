import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SESSION_FIELDS, TIMESTAMP, useWorld, type World } from '@agentmc/testkit';

// The seeds' SDK examples, byte for byte (test/seeds/*.ts), imported and so run against a real
// server, with AGENTMC_API_KEY and AGENTMC_BASE_URL set as an app developer would set them.

const world = useWorld();
let w: World;
let log: ReturnType<typeof vi.spyOn>;
let error: ReturnType<typeof vi.spyOn>;

beforeEach(() => {
  w = world();
  vi.stubEnv('AGENTMC_API_KEY', w.agent.key);
  vi.stubEnv('AGENTMC_BASE_URL', w.server.baseUrl);
  log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
});

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

/** Runs a seed's example once more, as a fresh module. */
async function runSeed(
  name: 'claim-agent-realtime-session' | 'list-agent-realtime-requested-sessions',
) {
  vi.resetModules();
  await import(`./seeds/${name}.ts`);
}

describe('the seed of listAgentRealtimeRequestedSessions', () => {
  it('prints the agent’s requested sessions, newest first', async () => {
    const first = await w.server.fixtures.session({ agentId: w.agent.id, userId: w.user.id });
    const second = await w.server.fixtures.session({
      agentId: w.agent.id,
      meta: { key: 'value' },
    });

    await runSeed('list-agent-realtime-requested-sessions');

    expect(error).not.toHaveBeenCalled();
    expect(log).toHaveBeenCalledTimes(1);
    const [printed] = log.mock.calls[0]!;
    expect(printed).toEqual({
      data: [
        expect.objectContaining({
          id: second.id,
          agent_id: w.agent.id,
          status: 'requested',
          meta: { key: 'value' },
        }),
        expect.objectContaining({
          id: first.id,
          requested_by_user_id: w.user.id,
          status: 'requested',
        }),
      ],
    });
  });

  it('prints an empty list when nothing is requested', async () => {
    await runSeed('list-agent-realtime-requested-sessions');
    expect(error).not.toHaveBeenCalled();
    expect(log).toHaveBeenCalledWith({ data: [] });
  });

  it('prints 401 and the error envelope without a valid key', async () => {
    vi.stubEnv('AGENTMC_API_KEY', 'amc_not_a_key');
    await runSeed('list-agent-realtime-requested-sessions');
    expect(log).not.toHaveBeenCalled();
    expect(error).toHaveBeenCalledWith(401, {
      error: { code: 'auth.unauthenticated', message: expect.any(String) },
    });
  });
});

describe('the seed of claimAgentRealtimeSession', () => {
  it('claims session 1 and prints it, claimed', async () => {
    const session = await w.server.fixtures.session({ agentId: w.agent.id, userId: w.user.id });
    expect(session.id).toBe(1);

    await runSeed('claim-agent-realtime-session');

    expect(error).not.toHaveBeenCalled();
    expect(log).toHaveBeenCalledTimes(1);
    const { data } = log.mock.calls[0]![0] as { data: Record<string, unknown> };
    // The 14 fields in the seed's order; a response may add fields after them (SPEC.md).
    expect(Object.keys(data).slice(0, SESSION_FIELDS.length)).toEqual(SESSION_FIELDS);
    expect(data).toMatchObject({
      id: 1,
      team_id: w.team.id,
      agent_id: w.agent.id,
      requested_by_user_id: w.user.id,
      status: 'claimed',
      claimed_at: expect.stringMatching(TIMESTAMP),
      opened_at: null,
      closed_at: null,
      expires_at: expect.stringMatching(TIMESTAMP),
      last_browser_heartbeat_at: null,
      last_agent_heartbeat_at: null,
      meta: null,
      created_at: expect.stringMatching(TIMESTAMP),
      updated_at: expect.stringMatching(TIMESTAMP),
    });
  });

  it('prints 409 and the envelope, with the current status, when run a second time', async () => {
    await w.server.fixtures.session({ agentId: w.agent.id });
    await runSeed('claim-agent-realtime-session');
    await runSeed('claim-agent-realtime-session');

    expect(log).toHaveBeenCalledTimes(1);
    expect(error).toHaveBeenCalledTimes(1);
    expect(error).toHaveBeenCalledWith(409, {
      error: {
        code: 'realtime_session.not_claimable',
        message: expect.any(String),
        details: expect.objectContaining({ status: 'claimed', agent_id: w.agent.id }),
      },
    });
  });

  it('prints 404 and the envelope when session 1 does not exist', async () => {
    await runSeed('claim-agent-realtime-session');
    expect(log).not.toHaveBeenCalled();
    expect(error).toHaveBeenCalledWith(404, {
      error: { code: 'resource.not_found', message: expect.any(String) },
    });
  });
});
