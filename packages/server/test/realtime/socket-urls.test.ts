import http from 'node:http';
import { TestSocket } from '@agentmc/testkit';
import { describe, expect, it } from 'vitest';
import { useWorld, type World } from './harness.js';

/** A person's session request, with a `Host` header of the test's choosing. */
function requestWithHost(w: World, host: string): Promise<{ status: number; body: any }> {
  const body = JSON.stringify({ agent_id: w.agent.id });
  return new Promise((resolve, reject) => {
    const req = http.request(`${w.server.baseUrl}/realtime/sessions`, {
      method: 'POST',
      headers: {
        Host: host,
        'X-Api-Key': w.user.key,
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(body),
      },
    });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += String(chunk)));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The server's own websocket origin: `ws://127.0.0.1:PORT`. */
const ownOrigin = (w: World) => w.server.origin.replace(/^http/, 'ws');

describe('the socket URL in answers, without REALTIME_PUBLIC_URL', () => {
  const world = useWorld('sqlite', {}, { shared: true });

  it('never follows a Host header it does not trust: the server’s own address instead', async () => {
    const w = world();
    for (const host of [
      'evil.example:1',
      'evil.example',
      `localhost:${new URL(w.server.origin).port}`,
    ]) {
      const created = await requestWithHost(w, host);
      expect(created.status).toBe(201);
      expect(created.body.data.socket.url).toMatch(new RegExp(`^${ownOrigin(w)}/api/v1/`));
      expect(created.body.data.socket.url).not.toContain('evil');
    }
    // And the URL it gives works.
    const created = await requestWithHost(w, 'evil.example:1');
    const socket = await TestSocket.open(created.body.data.socket.url);
    await socket.next('ready');
    await socket.close();
  });
});

describe('the socket URL with REALTIME_ALLOWED_HOSTS', () => {
  const world = useWorld(
    'sqlite',
    { realtime: { allowedHosts: ['api.example.test', 'ws.example.test:8443'] } },
    { shared: true },
  );

  it('follows a Host on the list (with any port for a bare name, the listed one otherwise)', async () => {
    const w = world();
    const expectations: [string, string][] = [
      ['api.example.test', 'ws://api.example.test/api/v1/'],
      ['API.example.test:8080', 'ws://api.example.test:8080/api/v1/'],
      ['ws.example.test:8443', 'ws://ws.example.test:8443/api/v1/'],
      ['ws.example.test:9999', `${ownOrigin(w)}/api/v1/`],
      ['evil.example:1', `${ownOrigin(w)}/api/v1/`],
    ];
    for (const [host, prefix] of expectations) {
      const created = await requestWithHost(w, host);
      expect(created.status).toBe(201);
      expect(created.body.data.socket.url.startsWith(prefix), `${host} → ${prefix}`).toBe(true);
    }
  });
});

describe('the socket URL with REALTIME_PUBLIC_URL', () => {
  const world = useWorld(
    'sqlite',
    { realtime: { publicUrl: 'wss://realtime.example.test/api/v1' } },
    { shared: true },
  );

  it('is always the public URL, whatever the Host', async () => {
    const w = world();
    const created = await requestWithHost(w, 'evil.example:1');
    expect(created.body.data.socket.url).toMatch(
      /^wss:\/\/realtime\.example\.test\/api\/v1\/realtime\/sessions\/\d+\/socket\?ticket=/,
    );
  });
});
