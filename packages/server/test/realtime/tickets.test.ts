import { TEST_TICKET_SECRET, TestSocket, expectRefused, send, storeKinds } from '@agentmc/testkit';
import { describe, expect, it } from 'vitest';
import { TicketSigner } from '../../src/index.js';
import { claim, request, useWorld } from './harness.js';

/** The same socket URL with another ticket. */
const withTicket = (url: string, ticket: string) =>
  `${url.slice(0, url.indexOf('?'))}?ticket=${encodeURIComponent(ticket)}`;

describe.each(await storeKinds())('websocket tickets (%s)', (kind) => {
  const world = useWorld(kind, { realtime: { ticketTtlSeconds: 30 } }, { shared: true });

  it('opens the session it names, for the principal it names', async () => {
    const w = world();
    const requested = await request(w);
    const socket = await TestSocket.open(requested.socket.url);
    expect((await socket.next('ready')).session.id).toBe(requested.id);
    await socket.close();
  });

  it('never opens another session: a ticket for A on B is refused with 403', async () => {
    const w = world();
    const a = await request(w);
    const b = await request(w);
    const onB = a.socket.url.replace(`/sessions/${a.id}/`, `/sessions/${b.id}/`);
    await expectRefused(onB, 403, 'auth.forbidden');
  });

  it('refuses an expired ticket with 401, and a fresh one from a new read opens', async () => {
    const w = world();
    const requested = await request(w);
    w.clock.advance(31);
    await expectRefused(requested.socket.url, 401, 'auth.unauthenticated');
    const again = await w.person('GET', `/realtime/sessions/${requested.id}`);
    const socket = await TestSocket.open(again.body.data.socket.url);
    await socket.next('ready');
    await socket.close();
  });

  it('takes a ticket up to the end of the second it expires in', async () => {
    const w = world();
    const requested = await request(w);
    w.clock.advance(30);
    const socket = await TestSocket.open(requested.socket.url);
    await socket.next('ready');
    await socket.close();
  });

  it('refuses a missing, forged or tampered ticket with 401', async () => {
    const w = world();
    const { socket } = await request(w);
    await expectRefused(socket.url.slice(0, socket.url.indexOf('?')), 401, 'auth.unauthenticated');
    await expectRefused(withTicket(socket.url, 'not-a-ticket'), 401, 'auth.unauthenticated');
    const [body, mac] = socket.token.split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, exp: claims.exp + 3600 })).toString(
      'base64url',
    );
    await expectRefused(withTicket(socket.url, `${forged}.${mac}`), 401, 'auth.unauthenticated');
  });

  it('refuses a signature with anything padded, appended or respelled (401)', async () => {
    const w = world();
    const { socket } = await request(w);
    const mac = socket.token.slice(socket.token.indexOf('.') + 1);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // 43 characters carry 258 bits for 256: the last one's two low bits are unused, so a
    // lenient decoder reads this other spelling as the same bytes.
    const last = alphabet.indexOf(mac.at(-1)!);
    const respelled = `${socket.token.slice(0, -1)}${alphabet[last ^ 1]}`;
    expect(Buffer.from(respelled.split('.')[1]!, 'base64url')).toEqual(
      Buffer.from(mac, 'base64url'),
    );
    for (const variant of [
      `${socket.token}=`,
      `${socket.token}!!`,
      `${socket.token}A`,
      `${socket.token}.`,
      ` ${socket.token}`,
      respelled,
    ]) {
      await expectRefused(withTicket(socket.url, variant), 401, 'auth.unauthenticated');
    }
    const exact = await TestSocket.open(socket.url);
    await exact.next('ready');
    await exact.close();
  });

  it('refuses a ticket whose key was revoked after it was issued (401), not another key’s', async () => {
    const w = world();
    const requested = await request(w);
    const claimed = await claim(w, requested.id);
    const watch = await w.bot('POST', '/agents/realtime/watch', {});
    const second = await w.server.fixtures.agentKey(w.agent.id);
    const otherWatch = await send(`${w.server.baseUrl}/agents/realtime/watch`, 'POST', {
      key: second.key,
      json: {},
    });

    await w.server.fixtures.revokeKey(w.user.keyId);
    await w.server.fixtures.revokeKey(w.agent.keyId);
    await expectRefused(requested.socket.url, 401, 'auth.unauthenticated');
    await expectRefused(claimed.socket.url, 401, 'auth.unauthenticated');
    await expectRefused(watch.body.data.url, 401, 'auth.unauthenticated');
    // The agent's other key (another process of it) still opens what it was given.
    const open = await TestSocket.watch(otherWatch.body.data.url);
    await open.next('ready');
    await open.close();
  });

  it('refuses a ticket of an agent disabled after it was issued (403)', async () => {
    const w = world();
    const claimed = await claim(w, (await request(w)).id);
    const watch = await w.bot('POST', '/agents/realtime/watch', {});
    await w.server.fixtures.disableAgent(w.agent.id);
    await expectRefused(claimed.socket.url, 403, 'auth.forbidden');
    await expectRefused(watch.body.data.url, 403, 'auth.forbidden');
  });

  it('refuses the agent before its claim (409), and a watch ticket on a session (403)', async () => {
    const w = world();
    const requested = await request(w);
    const claimed = await claim(w, requested.id);
    const watch = await w.bot('POST', '/agents/realtime/watch', {});
    await expectRefused(
      withTicket(claimed.socket.url, watch.body.data.token),
      403,
      'auth.forbidden',
    );

    const unclaimed = await request(w);
    // A ticket the agent could only have for a claimed session; forged here by the server's
    // own signer to show the socket checks the status too.
    const { token } = new TicketSigner({ secret: TEST_TICKET_SECRET, ttlSeconds: 60 }).issue(
      {
        kind: 'session',
        role: 'agent',
        principalId: w.agent.id,
        teamId: w.team.id,
        sessionId: unclaimed.id,
        keyId: w.agent.keyId,
      },
      w.clock(),
    );
    await expectRefused(
      withTicket(unclaimed.socket.url, token),
      409,
      'realtime_session.not_claimed',
    );
  });

  it('refuses a person’s ticket for a teammate’s session (403)', async () => {
    const w = world();
    const requested = await request(w);
    const teammate = await w.server.fixtures.user(w.team.id);
    const { token } = new TicketSigner({ secret: TEST_TICKET_SECRET, ttlSeconds: 60 }).issue(
      {
        kind: 'session',
        role: 'browser',
        principalId: teammate.id,
        teamId: w.team.id,
        sessionId: requested.id,
        keyId: teammate.keyId,
      },
      w.clock(),
    );
    await expectRefused(withTicket(requested.socket.url, token), 403, 'auth.forbidden');
  });

  it('answers an unknown socket path with 404', async () => {
    const w = world();
    const { socket } = await request(w);
    await expectRefused(socket.url.replace('/socket?', '/sockets?'), 404, 'resource.not_found');
  });

  it('gives the agent fresh tickets only for sessions it claimed and that are open', async () => {
    const w = world();
    const requested = await request(w);
    const path = `/agents/realtime/sessions/${requested.id}/socket`;
    expect((await w.bot('POST', path, {})).status).toBe(409);
    await claim(w, requested.id);
    const fresh = await w.bot('POST', path, {});
    expect(fresh.status).toBe(200);
    expect(fresh.body.data.url).toContain(`/realtime/sessions/${requested.id}/socket?ticket=`);
    await w.bot('POST', `/agents/realtime/sessions/${requested.id}/close`, {});
    const ended = await w.bot('POST', path, {});
    expect(ended.status).toBe(409);
    expect(ended.body.error.code).toBe('realtime_session.ended');
  });
});
