import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { JSON_MAX_DEPTH } from '@agentmc/contract';
import { inspect, storeKinds, tempSqliteUrl, useServer } from '@agentmc/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/run-cli.js';
import { connected, request, useWorld, type World } from './realtime/harness.js';

/** `{"a": {"a": … {} … }}`, `levels` objects deep. */
function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let i = 1; i < levels; i++) value = { a: value };
  return value;
}

/** About 26 KB of `[[[…]]]`: what overflowed the stack when serialised. */
const DEEP_TEXT = `${'['.repeat(13_000)}${']'.repeat(13_000)}`;

/** Strings PostgreSQL cannot keep as they are: a NUL, and lone surrogates of both halves. */
const UNSTORABLE = ['a\u0000b', '\ud800', '\udc00', 'x\udbffy'];

function expect422(reply: { status: number; body: any }, field: string) {
  expect(reply.status, JSON.stringify(reply.body)).toBe(422);
  expect(reply.body.error.code).toBe('validation.failed');
  expect(Object.keys(reply.body.error.details.fields).join(' ')).toContain(field);
}

describe.each(await storeKinds())('bad input is a 4xx, never a 500 (%s)', (kind) => {
  const world = useWorld(kind, {}, { shared: true });

  const signalsOf = async (w: World, sessionId: number) =>
    (
      await inspect(w.server.database)
        .query.selectFrom('realtime_signals')
        .select('type')
        .where('session_id', '=', sessionId)
        .execute()
    ).map((s) => s.type);

  describe(`JSON nested deeper than ${JSON_MAX_DEPTH} levels`, () => {
    it(`keeps meta ${JSON_MAX_DEPTH} levels deep, refuses ${JSON_MAX_DEPTH + 1} and 13,000 with 422`, async () => {
      const w = world();
      const ok = await w.person('POST', '/realtime/sessions', {
        agent_id: w.agent.id,
        meta: nested(JSON_MAX_DEPTH),
      });
      expect(ok.status).toBe(201);
      expect(ok.body.data.meta).toEqual(nested(JSON_MAX_DEPTH));
      expect422(
        await w.person('POST', '/realtime/sessions', {
          agent_id: w.agent.id,
          meta: nested(JSON_MAX_DEPTH + 1),
        }),
        'meta',
      );
      const deep = await w.api.post('/realtime/sessions', {
        key: w.user.key,
        headers: { 'Content-Type': 'application/json' },
        body: `{"agent_id": ${w.agent.id}, "meta": {"x": ${DEEP_TEXT}}}`,
      });
      expect422(deep, 'meta.x');
    });

    it('refuses a deep signal payload over HTTP with 422, writing nothing', async () => {
      const w = world();
      const session = await request(w);
      const path = `/realtime/sessions/${session.id}/signals`;
      const before = await signalsOf(w, session.id);
      expect422(
        await w.person('POST', path, { type: 'message', payload: nested(JSON_MAX_DEPTH + 1) }),
        'payload',
      );
      const deep = await w.api.post(path, {
        key: w.user.key,
        headers: { 'Content-Type': 'application/json' },
        body: `{"type": "message", "payload": ${DEEP_TEXT}}`,
      });
      expect422(deep, 'payload');
      expect(await signalsOf(w, session.id)).toEqual(before);
    });

    it('answers a deep signal frame with a validation error frame, and keeps the socket', async () => {
      const w = world();
      const { browser } = await connected(w);
      browser.send(`{"type":"signal","signal":{"type":"message","payload":${DEEP_TEXT}}}`);
      const error = await browser.next('error');
      expect(error.error.code).toBe('validation.failed');
      expect(Object.keys((error.error.details as any).fields).join(' ')).toMatch(
        /^signal\.payload\b/,
      );
      browser.send({ type: 'signal', signal: { type: 'message', payload: nested(3) } });
      expect((await browser.signal((s) => s.type === 'message')).payload).toEqual(nested(3));
    });
  });

  describe('text a store cannot keep exactly (NUL, lone surrogates)', () => {
    it.each(UNSTORABLE.map((text) => [JSON.stringify(text), text]))(
      'refuses %s as an idempotency key, a close reason, in meta and in a payload',
      async (_label, text) => {
        const w = world();
        const session = await request(w);
        const signals = `/realtime/sessions/${session.id}/signals`;
        const before = await signalsOf(w, session.id);
        expect422(
          await w.person('POST', signals, {
            type: 'message',
            payload: {},
            idempotency_key: text,
          }),
          'idempotency_key',
        );
        expect422(
          await w.person('POST', signals, { type: 'message', payload: { text } }),
          'payload.text',
        );
        expect422(
          await w.person('POST', signals, { type: 'message', payload: [{ [text]: 1 }] }),
          'payload.0',
        );
        expect422(
          await w.person('POST', '/realtime/sessions', { agent_id: w.agent.id, meta: { text } }),
          'meta.text',
        );
        expect422(
          await w.person('POST', '/realtime/sessions', {
            agent_id: w.agent.id,
            meta: { [text]: 'key' },
          }),
          'meta',
        );
        expect422(
          await w.person('POST', `/realtime/sessions/${session.id}/close`, { reason: text }),
          'reason',
        );
        expect(await signalsOf(w, session.id)).toEqual(before);
        const now = await w.person('GET', `/realtime/sessions/${session.id}`);
        expect(now.body.data.status).toBe('requested');
      },
    );

    it('keeps "\\ud800" and "\\udc00" apart by refusing both, over HTTP and the websocket', async () => {
      const w = world();
      const { id, browser } = await connected(w);
      for (const key of ['\ud800', '\udc00']) {
        expect422(
          await w.person('POST', `/realtime/sessions/${id}/signals`, {
            type: 'message',
            payload: { key },
            idempotency_key: key,
          }),
          'idempotency_key',
        );
        browser.send({
          type: 'signal',
          signal: { type: 'message', payload: {}, idempotency_key: key },
        });
        const error = await browser.next('error');
        expect(error.error.code).toBe('validation.failed');
        expect(Object.keys((error.error.details as any).fields)).toContain(
          'signal.idempotency_key',
        );
      }
      // Well-formed text, astral characters included, is kept exactly.
      const kept = await w.person('POST', `/realtime/sessions/${id}/signals`, {
        type: 'message',
        payload: { text: 'pair \ud83d\ude00 é' },
        idempotency_key: 'k-\ud83d\ude00',
      });
      expect(kept.status).toBe(201);
      expect(kept.body.data.payload).toEqual({ text: 'pair \ud83d\ude00 é' });
      expect((await signalsOf(w, id)).filter((t) => t === 'message')).toHaveLength(1);
    });
  });

  describe('Content-Encoding', () => {
    it.each([
      ['gzip', 'on a body that is not gzip', '{"agent_id": 1}'],
      ['gzip', 'on a gzip body', gzipSync('{"agent_id": 1}')],
      ['br', '', '{}'],
      ['x-unknown', '', '{}'],
    ])('answers %s %s with 415 request.unsupported_encoding', async (encoding, _what, body) => {
      const w = world();
      const res = await fetch(`${w.server.baseUrl}/realtime/sessions`, {
        method: 'POST',
        headers: {
          'X-Api-Key': w.user.key,
          'Content-Type': 'application/json',
          'Content-Encoding': encoding,
        },
        body,
      });
      expect(res.status).toBe(415);
      expect(((await res.json()) as any).error.code).toBe('request.unsupported_encoding');
    });

    it('accepts identity, as no Content-Encoding at all', async () => {
      const w = world();
      const res = await fetch(`${w.server.baseUrl}/realtime/sessions`, {
        method: 'POST',
        headers: {
          'X-Api-Key': w.user.key,
          'Content-Type': 'application/json',
          'Content-Encoding': 'identity',
        },
        body: JSON.stringify({ agent_id: w.agent.id }),
      });
      expect(res.status).toBe(201);
    });
  });
});

/** Sends raw bytes and reads the whole answer, until the server closes the connection. */
async function raw(
  origin: string,
  bytes: string,
): Promise<{ status: number; headers: string; body: any }> {
  const { hostname, port } = new URL(origin);
  const socket = net.connect(Number(port), hostname);
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('close', () => resolve());
    socket.write(bytes);
  });
  const [head = '', body = ''] = text.split('\r\n\r\n');
  return { status: Number(head.split(' ')[1]), headers: head, body: JSON.parse(body) };
}

describe('requests Node’s HTTP parser refuses', () => {
  const server = useServer({}, { shared: true });

  it('answers oversized headers with 431 in the envelope', async () => {
    const reply = await raw(
      server().origin,
      `GET /api/v1/openapi.json HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`,
    );
    expect(reply.status).toBe(431);
    expect(reply.headers).toMatch(/content-type: application\/json/i);
    expect(reply.body.error.code).toBe('request.headers_too_large');
  });

  it.each([
    ['a malformed request line', 'NOT A REQUEST\r\n\r\n'],
    ['a NUL in a header value', 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\n\r\n'],
    ['a bad Content-Length', 'POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n'],
  ])('answers %s with 400 in the envelope', async (_what, bytes) => {
    const reply = await raw(server().origin, bytes);
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe('request.malformed');
  });
});

describe('the admin CLI', () => {
  const databaseUrl = tempSqliteUrl('bad-input');
  afterAll(() => fs.rmSync(path.dirname(databaseUrl), { recursive: true, force: true }));

  it.each(UNSTORABLE.map((text) => [JSON.stringify(text), text]))(
    'refuses %s in a name, and in --meta, with exit code 2',
    async (_label, text) => {
      const env = { DATABASE_URL: databaseUrl };
      const errors: string[] = [];
      const output = { out: () => undefined, err: (t: string) => void errors.push(t) };
      expect(await runCli(['team', 'create', '--name', `team ${text}`], env, output)).toBe(2);
      expect(errors.join('')).toMatch(/--name/);
      expect(
        await runCli(
          ['session', 'request', '--agent', '1', '--meta', JSON.stringify({ note: text })],
          env,
          output,
        ),
      ).toBe(2);
      expect(errors.join('')).toMatch(/--meta: .*\(at note\)/);
    },
  );
});
