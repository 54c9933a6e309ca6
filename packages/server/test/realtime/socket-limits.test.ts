import { randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import {
  TestSocket,
  apiOf,
  serverForTest,
  spawnServer,
  storeKinds,
  world as worldOf,
  type Principal,
} from '@agentmc/testkit';
import { describe, expect, it, onTestFinished } from 'vitest';
import WebSocket from 'ws';
import { claim, request, useWorld, type World } from './harness.js';

/** What the server answers to a websocket upgrade: 101, or a refusal with its headers and body. */
function upgrade(
  url: string,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: any }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url.replace(/^ws/, 'http'), {
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
      },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: undefined });
    });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += String(chunk)));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/** A fresh watch ticket URL for an agent. */
async function watchUrl(w: World, agent: Principal = w.agent): Promise<string> {
  const reply = await w.api.post('/agents/realtime/watch', { key: agent.key, json: {} });
  expect(reply.status).toBe(200);
  return reply.body.data.url as string;
}

describe.each(await storeKinds())('websocket limits (%s)', (kind) => {
  describe('per principal', () => {
    const world = useWorld(kind, { realtime: { maxSocketsPerPrincipal: 3 } }, { shared: true });

    it('counts an agent’s session and watch sockets together; the next is 429 with Retry-After', async () => {
      const w = world();
      const first = await claim(w, (await request(w)).id);
      const second = await claim(w, (await request(w)).id);
      const sessionSockets = [
        await TestSocket.open(first.socket.url),
        await TestSocket.open(second.socket.url),
      ];
      for (const socket of sessionSockets) await socket.next('ready');
      const watch = await TestSocket.watch(await watchUrl(w));
      await watch.next('ready');

      // A fourth, of either kind, through any key of the agent, is refused.
      const refused = await upgrade(await watchUrl(w));
      expect(refused.status).toBe(429);
      expect(refused.body.error.code).toBe('rate_limited');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      const otherKey = await w.server.fixtures.agentKey(w.agent.id);
      expect((await upgrade(await watchUrl(w, { ...w.agent, ...otherKey }))).status).toBe(429);
      expect((await upgrade(first.socket.url)).status).toBe(429);

      // The person's own sockets are counted apart.
      const person = await request(w);
      const browser = await TestSocket.open(person.socket.url);
      await browser.next('ready');

      // Closing one makes room for one.
      await sessionSockets[0]!.close();
      const again = await TestSocket.open(first.socket.url);
      await again.next('ready');
      expect((await upgrade(first.socket.url)).status).toBe(429);
      for (const socket of [...sessionSockets, watch, again, browser]) await socket.close();
    });

    it('counts a person’s sockets too', async () => {
      const w = world();
      const sessions = [await request(w), await request(w), await request(w)];
      const sockets = await Promise.all(sessions.map((s) => TestSocket.open(s.socket.url)));
      const refused = await upgrade(sessions[0]!.socket.url);
      expect(refused.status).toBe(429);
      expect(refused.body.error.code).toBe('rate_limited');
      for (const socket of sockets) await socket.close();
    });
  });

  describe('per replica', () => {
    const world = useWorld(kind, { realtime: { maxSockets: 4 } }, { shared: true });

    it('refuses the next upgrade with 503 and Retry-After, and HTTP keeps answering at once', async () => {
      const w = world();
      const others = [w.agent, await w.server.fixtures.agent(w.team.id)];
      const sockets = [];
      for (const agent of [...others, ...others]) {
        const socket = await TestSocket.watch(await watchUrl(w, agent));
        await socket.next('ready');
        sockets.push(socket);
      }
      const refused = await upgrade(await watchUrl(w));
      expect(refused.status).toBe(503);
      expect(refused.body.error.code).toBe('service.unavailable');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);

      for (let i = 0; i < 20; i++) {
        const started = performance.now();
        const listed = await w.api.get('/agents/realtime/sessions/requested', { key: w.agent.key });
        expect(listed.status).toBe(200);
        expect(performance.now() - started).toBeLessThan(3_000);
      }

      await sockets[0]!.close();
      const again = await TestSocket.watch(await watchUrl(w));
      await again.next('ready');
      for (const socket of [...sockets, again]) await socket.close();
    });

    it('gives a refused upgrade’s place back at once, even if its client never hangs up', async () => {
      const w = world();
      const { port } = new URL(w.server.origin);
      const { pathname } = new URL(await watchUrl(w));
      const lingering: net.Socket[] = [];
      onTestFinished(() => {
        for (const socket of lingering) socket.destroy();
      });
      for (let i = 0; i < 8; i++) {
        const socket = net.connect(Number(port), '127.0.0.1');
        lingering.push(socket);
        const answered = new Promise<string>((resolve) =>
          socket.once('data', (chunk: Buffer) => resolve(String(chunk))),
        );
        socket.write(
          [
            `GET ${pathname}?ticket=forged HTTP/1.1`,
            `Host: 127.0.0.1:${port}`,
            'Connection: Upgrade',
            'Upgrade: websocket',
            'Sec-WebSocket-Version: 13',
            `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
            '',
            '',
          ].join('\r\n'),
        );
        expect(await answered).toMatch(/^HTTP\/1\.1 401 /);
      }
      const watch = await TestSocket.watch(await watchUrl(w));
      await watch.next('ready');
      await watch.close();
    });
  });
});

describe('websocket limits by default (process)', () => {
  it('sizes the replica’s limit from its open-file limit: one ticket cannot starve HTTP', async () => {
    // A real server process with room for only 320 open files, and one agent ticket reused
    // over and over, as in the finding.
    const seed = await serverForTest({ kind: 'sqlite' });
    const { agent } = await worldOf(seed);
    const replica = await spawnServer(
      { DATABASE_URL: seed.databaseUrl, REALTIME_MAX_SOCKETS_PER_PRINCIPAL: '100000' },
      // A loaded machine starts a process slowly.
      { openFileLimit: 320, timeoutMs: 40_000 },
    );
    onTestFinished(async () => {
      await replica.stop();
    });
    const api = apiOf(replica.baseUrl);
    const ticket = await api.post('/agents/realtime/watch', { key: agent.key, json: {} });
    const url = ticket.body.data.url as string;

    const sockets: WebSocket[] = [];
    onTestFinished(() => {
      for (const ws of sockets) ws.terminate();
    });
    const statuses: number[] = [];
    for (let batch = 0; batch < 8; batch++) {
      const answers = await Promise.all(
        Array.from(
          { length: 50 },
          () =>
            new Promise<number>((resolve) => {
              const ws = new WebSocket(url);
              sockets.push(ws);
              ws.once('open', () => resolve(101));
              ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
              ws.once('error', () => resolve(0));
            }),
        ),
      );
      statuses.push(...answers);
    }
    const opened = statuses.filter((s) => s === 101).length;
    // 320 descriptors, a quarter (at least 256) kept: 64 sockets; the rest are refused in the envelope.
    expect(opened).toBe(64);
    expect(statuses.filter((s) => s !== 101).every((s) => s === 503)).toBe(true);

    for (let i = 0; i < 10; i++) {
      const started = performance.now();
      const listed = await api.get('/agents/realtime/sessions/requested', { key: agent.key });
      expect(listed.status).toBe(200);
      expect(performance.now() - started).toBeLessThan(3_000);
    }
  }, 60_000);
});
