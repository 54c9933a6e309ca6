import { describe, expect, it } from 'vitest';
import { TicketSigner } from '../../src/index.js';
import {
  Refused,
  TEST_TICKET_SECRET,
  TestSocket,
  inspect,
  send,
  storeKinds,
} from '@agentmc/testkit';
import { claim, connected, request, useWorld, type World } from './harness.js';

/** A JSON call to the API with a key. */
const call = (baseUrl: string, method: string, path: string, key: string, json?: unknown) =>
  send(`${baseUrl}${path}`, method, { key, ...(json !== undefined ? { json } : {}) });

const tickets = new TicketSigner({ secret: TEST_TICKET_SECRET, ttlSeconds: 60 });

/** A session socket URL with a ticket signed for whoever the test says. */
function socketUrl(
  w: World,
  sessionId: number,
  claims: { role: 'agent' | 'browser'; principalId: number; teamId: number; keyId: number },
) {
  const { token } = tickets.issue({ kind: 'session', sessionId, ...claims }, w.clock());
  return `${w.server.baseUrl.replace(/^http/, 'ws')}/realtime/sessions/${sessionId}/socket?ticket=${encodeURIComponent(token)}`;
}

/** The refusal of a websocket upgrade: its status and envelope. */
async function refusal(url: string): Promise<{ status: number; body: any }> {
  const error = await TestSocket.open(url).then(
    async (socket) => {
      await socket.close();
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Refused);
  return { status: (error as Refused).status, body: (error as Refused).body };
}

/**
 * One error vocabulary: the same failure gets the same status, code, message and details over
 * HTTP (the envelope) and over the websocket (a refused upgrade, or an `error` frame).
 */
describe.each(await storeKinds())('the same failures over HTTP and websocket (%s)', (kind) => {
  // Each test has a world (and keys) of its own, so one server serves them all.
  const world = useWorld(
    kind,
    // An agent's socket says `resume`, posts one signal and sends one more frame in most tests.
    { rateLimitPerMinute: 3, realtime: { signalsPerMinute: 3 } },
    { shared: true },
  );

  it('another agent’s session: 403 auth.forbidden on both', async () => {
    const w = world();
    const requested = await request(w);
    await claim(w, requested.id);
    const other = await w.server.fixtures.agent(w.team.id);

    const http = await call(
      w.server.baseUrl,
      'POST',
      `/agents/realtime/sessions/${requested.id}/socket`,
      other.key,
      {},
    );
    const ws = await refusal(
      socketUrl(w, requested.id, {
        role: 'agent',
        principalId: other.id,
        teamId: w.team.id,
        keyId: other.keyId,
      }),
    );
    expect(http.status).toBe(403);
    expect(ws).toEqual({ status: http.status, body: http.body });
    expect(http.body.error).toMatchObject({ code: 'auth.forbidden' });
  });

  it('another team’s session: 404 resource.not_found on both, saying nothing more', async () => {
    const w = world();
    const requested = await request(w);
    const team = await w.server.fixtures.team();
    const stranger = await w.server.fixtures.user(team.id);

    const http = await call(
      w.server.baseUrl,
      'GET',
      `/realtime/sessions/${requested.id}`,
      stranger.key,
    );
    const ws = await refusal(
      socketUrl(w, requested.id, {
        role: 'browser',
        principalId: stranger.id,
        teamId: team.id,
        keyId: stranger.keyId,
      }),
    );
    expect(http.status).toBe(404);
    expect(ws).toEqual({ status: http.status, body: http.body });
  });

  it('a session the agent has not claimed: 409 realtime_session.not_claimed on both', async () => {
    const w = world();
    const requested = await request(w);

    const http = await w.bot('POST', `/agents/realtime/sessions/${requested.id}/socket`, {});
    const ws = await refusal(
      socketUrl(w, requested.id, {
        role: 'agent',
        principalId: w.agent.id,
        teamId: w.team.id,
        keyId: w.agent.keyId,
      }),
    );
    expect(http.status).toBe(409);
    expect(ws.status).toBe(409);
    expect(ws.body.error.code).toBe(http.body.error.code);
    expect(ws.body.error.details).toEqual(http.body.error.details);
    expect(http.body.error).toMatchObject({
      code: 'realtime_session.not_claimed',
      details: { status: 'requested' },
    });
  });

  it('no valid credential: 401 auth.unauthenticated on both', async () => {
    const w = world();
    const requested = await request(w);
    const http = await call(
      w.server.baseUrl,
      'GET',
      `/realtime/sessions/${requested.id}`,
      'amc_nope',
    );
    const url = requested.socket.url.replace(/ticket=[^&]+/, 'ticket=forged.ticket');
    const ws = await refusal(url);
    expect(http.status).toBe(401);
    expect(ws.status).toBe(401);
    expect(ws.body.error.code).toBe('auth.unauthenticated');
    expect(http.body.error.code).toBe('auth.unauthenticated');
  });

  it('a malformed signal: 422 validation.failed with the same field messages on both', async () => {
    const w = world();
    const { id, agent } = await connected(w);
    const signal = { type: '', payload: 'not an object' };

    const http = await w.bot('POST', `/agents/realtime/sessions/${id}/signals`, signal);
    agent.send({ type: 'signal', signal: { ...signal, idempotency_key: 'k1' } });
    const frame = await agent.next('error');

    expect(http.status).toBe(422);
    expect(frame.error.code).toBe(http.body.error.code);
    expect(frame.error.message).toBe(http.body.error.message);
    expect(frame.idempotency_key).toBe('k1');
    // The websocket names the field inside the frame (`signal.type`); the messages are the same.
    const httpFields = http.body.error.details.fields as Record<string, string[]>;
    const wsFields = frame.error.details!.fields as Record<string, string[]>;
    for (const [field, messages] of Object.entries(httpFields)) {
      expect(wsFields[`signal.${field}`]).toEqual(messages);
    }
    await agent.close();
  });

  it('a signal to a session that has ended: 409 realtime_session.ended on both', async () => {
    const w = world();
    const { id, agent } = await connected(w);
    // Ended behind the sockets' backs (no event), so that the socket still takes the frame.
    await inspect(w.server.database)
      .query.updateTable('realtime_sessions')
      .set({ status: 'closed', closed_at: w.clock() })
      .where('id', '=', id)
      .execute();

    const http = await w.bot('POST', `/agents/realtime/sessions/${id}/signals`, {
      type: 'chat.agent.done',
      payload: {},
    });
    agent.send({
      type: 'signal',
      signal: { type: 'chat.agent.done', payload: {}, idempotency_key: 'late' },
    });
    const frame = await agent.next('error');

    expect(http.status).toBe(409);
    expect({ ...frame.error }).toEqual(http.body.error);
    expect(http.body.error).toMatchObject({
      code: 'realtime_session.ended',
      details: { status: 'closed' },
    });
    expect(frame.idempotency_key).toBe('late');
    await agent.close();
  });

  it('too many: 429 rate_limited with retry_after on both', async () => {
    const w = world();
    const { id, agent } = await connected(w);
    let http = await w.bot('GET', `/agents/realtime/sessions/${id}/signals`);
    while (http.status !== 429)
      http = await w.bot('GET', `/agents/realtime/sessions/${id}/signals`);
    for (const key of ['first', 'second', 'third']) {
      agent.send({ type: 'signal', signal: { type: 'n', payload: {}, idempotency_key: key } });
    }
    const frame = await agent.next('error');

    expect(frame.error.code).toBe(http.body.error.code);
    expect(http.body.error.code).toBe('rate_limited');
    expect(frame.error.details).toMatchObject({ retry_after: expect.any(Number) });
    expect(http.body.error.details).toMatchObject({ retry_after: expect.any(Number) });
    await agent.close();
  });
});
