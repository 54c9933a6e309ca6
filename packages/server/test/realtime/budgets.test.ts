import http from 'node:http';
import { TestSocket, expectRefused, inspect, storeKinds, waitFor } from '@agentmc/testkit';
import { describe, expect, it } from 'vitest';
import { connected, useWorld, type World } from './harness.js';

const LIST = '/agents/realtime/sessions/requested';
const signals = (id: number) => `/agents/realtime/sessions/${id}/signals`;
const signal = (key: string) => ({ type: 'n', payload: {}, idempotency_key: key });

/** The idempotency keys of the agent's `n` signals in the store, in seq order. */
async function agentKeys(w: World, id: number) {
  const rows = await inspect(w.server.database).signals(id);
  return rows.filter((s) => s.sender === 'agent' && s.type === 'n').map((s) => s.idempotency_key);
}

/** A GET from another loopback address (127.0.0.2), as a second client machine would send. */
function getFrom(address: string, url: string, key: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { localAddress: address, headers: { 'X-Api-Key': key } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });
}

describe.each(await storeKinds())('one budget per principal, 10 a minute (%s)', (kind) => {
  const world = useWorld(kind, { realtime: { signalsPerMinute: 10 } }, { shared: true });

  it('is shared by all of a principal’s sockets and its HTTP signal posts', async () => {
    const w = world();
    // Three sockets of the agent on its session, each started with `resume`: 3 of 10.
    const { id, agent } = await connected(w);
    const sockets = [agent];
    for (let i = 0; i < 2; i++) {
      const ticket = await w.bot('POST', `/agents/realtime/sessions/${id}/socket`, {});
      const socket = await TestSocket.open(ticket.body.data.url);
      await socket.ready();
      sockets.push(socket);
    }
    // Two signals on each socket: 9 of 10.
    for (const [i, socket] of sockets.entries()) {
      for (let j = 0; j < 2; j++) socket.send({ type: 'signal', signal: signal(`ws-${i}-${j}`) });
    }
    await waitFor(async () => expect(await agentKeys(w, id)).toHaveLength(6));

    // One more over HTTP: 10 of 10. The next, on either transport, is refused.
    expect((await w.bot('POST', signals(id), signal('http-1'))).status).toBe(201);
    const refused = await w.bot('POST', signals(id), signal('http-2'));
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('rate_limited');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    sockets[2]!.send({ type: 'signal', signal: signal('ws-over') });
    expect(await sockets[2]!.next('error')).toMatchObject({
      idempotency_key: 'ws-over',
      error: { code: 'rate_limited', details: { retry_after: expect.any(Number) } },
    });

    expect((await agentKeys(w, id)).sort()).toEqual(
      ['http-1', 'ws-0-0', 'ws-0-1', 'ws-1-0', 'ws-1-1', 'ws-2-0', 'ws-2-1'].sort(),
    );
    // The person is another principal, with a budget of its own.
    expect(
      (await w.person('POST', `/realtime/sessions/${id}/signals`, signal('person-1'))).status,
    ).toBe(201);
  });

  it('counts pings and refused frames against the socket’s principal, watch socket included', async () => {
    const w = world();
    const { id, agent } = await connected(w);
    const watchTicket = await w.bot('POST', '/agents/realtime/watch', {});
    const watch = await TestSocket.watch(watchTicket.body.data.url);
    await watch.next('ready');

    // `resume`, four pings and three refused frames on the session socket, two pings on the
    // watch: 10 of 10, each answered.
    for (let i = 0; i < 4; i++) agent.send({ type: 'ping', nonce: `p${i}` });
    agent.send('not json');
    agent.send({ type: 'shout' });
    agent.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    for (let i = 0; i < 2; i++) watch.send({ type: 'ping', nonce: `w${i}` });
    for (let i = 0; i < 4; i++) expect((await agent.next('pong')).nonce).toBe(`p${i}`);
    for (let i = 0; i < 3; i++) {
      expect((await agent.next('error')).error.code).toBe('validation.failed');
    }
    for (let i = 0; i < 2; i++) expect((await watch.next('pong')).nonce).toBe(`w${i}`);

    // The eleventh frame, on any of its sockets, and its next signal post are refused.
    agent.send({ type: 'ping', nonce: 'late' });
    expect((await agent.next('error')).error.code).toBe('rate_limited');
    watch.send({ type: 'ping', nonce: 'late' });
    expect((await watch.next('error')).error.code).toBe('rate_limited');
    expect((await w.bot('POST', signals(id), signal('after-pings'))).status).toBe(429);
    expect(agent.frames.filter((f) => f.type === 'pong')).toHaveLength(4);
    expect(watch.frames.filter((f) => f.type === 'pong')).toHaveLength(2);
  });
});

describe.each(await storeKinds())('failed authentication, 3 a minute per address (%s)', (kind) => {
  // A server per test: the budget belongs to the address, whoever's key it tried.
  const world = useWorld(kind, { authFailuresPerMinute: 3 });

  it('answers 429 with Retry-After once an address has failed three times, before any lookup', async () => {
    const w = world();
    // Many successes cost nothing.
    for (let i = 0; i < 5; i++) expect((await w.bot('GET', LIST)).status).toBe(200);
    // A wrong key, no key, and a key of the wrong kind (403): three failures.
    expect((await w.api.get(LIST, { key: 'amc_wrong' })).status).toBe(401);
    expect((await w.api.get(LIST)).status).toBe(401);
    expect((await w.person('GET', LIST)).status).toBe(403);

    const refused = await w.api.get(LIST, { key: 'amc_wrong' });
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('rate_limited');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Refused before the key is looked up at all: a good key from there waits too.
    expect((await w.bot('GET', LIST)).status).toBe(429);
    expect((await w.person('POST', '/realtime/sessions', { agent_id: w.agent.id })).status).toBe(
      429,
    );
    // Another address is not affected.
    expect(await getFrom('127.0.0.2', `${w.server.baseUrl}${LIST}`, w.agent.key)).toBe(200);
  });

  it('counts refused websocket tickets, and refuses the address’s sockets and requests after', async () => {
    const w = world();
    const requested = await w.person('POST', '/realtime/sessions', { agent_id: w.agent.id });
    const url: string = requested.body.data.socket.url;
    const forged = url.replace(/ticket=[^&]+/, 'ticket=forged.ticket');
    for (let i = 0; i < 3; i++) await expectRefused(forged, 401, 'auth.unauthenticated');
    await expectRefused(forged, 429, 'rate_limited');
    await expectRefused(url, 429, 'rate_limited');
    expect((await w.bot('GET', LIST)).status).toBe(429);
  });
});
