import { SIGNAL_PAYLOAD_MAX_BYTES } from '@agentmc/contract';
import { inspect, storeKinds } from '@agentmc/testkit';
import { describe, expect, it } from 'vitest';
import { connected, useWorld } from './harness.js';

describe.each(await storeKinds())('websocket frames (%s)', (kind) => {
  const world = useWorld(kind, { realtime: { maxFrameBytes: 65_536 } }, { shared: true });

  it('answers every bad frame with an error frame, and keeps the socket open', async () => {
    const w = world();
    const { browser } = await connected(w);
    const bad: [unknown, string][] = [
      ['not json', 'frame'],
      [{ type: 'shout' }, 'type'],
      [{ no: 'type' }, 'type'],
      [{ type: 'resume' }, 'after_id'],
      [{ type: 'resume', after_id: -1 }, 'after_id'],
      [{ type: 'resume', after_id: 1.5 }, 'after_id'],
      [{ type: 'signal', signal: { payload: {} } }, 'signal.type'],
      [{ type: 'signal', signal: { type: 'has space', payload: null } }, 'signal.type'],
      [{ type: 'signal', signal: { type: 'message', payload: 'text' } }, 'signal.payload'],
      [{ type: 'signal', signal: { type: 'message', payload: {}, extra: 1 } }, 'signal'],
      [{ type: 'ping', nonce: 7 }, 'nonce'],
      [[1, 2, 3], 'frame'],
      [null, 'frame'],
    ];
    for (const [frame, field] of bad) {
      browser.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
      const error = await browser.next('error');
      expect(error.error.code, JSON.stringify(frame)).toBe('validation.failed');
      expect(Object.keys((error.error.details as any).fields), JSON.stringify(frame)).toContain(
        field,
      );
    }
    browser.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    expect((await browser.next('error')).error.details).toEqual({
      fields: { frame: ['Must be a JSON text frame.'] },
    });
    browser.send({ type: 'ping', nonce: 'still here' });
    expect(await browser.next('pong')).toEqual({ type: 'pong', nonce: 'still here' });
  });

  it('refuses a payload over the bound, naming the frame by its idempotency key', async () => {
    const w = world();
    const { browser } = await connected(w);
    const big = { text: 'x'.repeat(SIGNAL_PAYLOAD_MAX_BYTES) };
    browser.send({
      type: 'signal',
      signal: { type: 'message', payload: big, idempotency_key: 'big-1' },
    });
    const error = await browser.next('error');
    expect(error).toMatchObject({ idempotency_key: 'big-1', error: { code: 'validation.failed' } });
    expect((error.error.details as any).fields['signal.payload']).toEqual([
      `Must be at most ${SIGNAL_PAYLOAD_MAX_BYTES} bytes of JSON.`,
    ]);
  });

  it('closes a socket that sends a frame over the frame size bound (1009)', async () => {
    const w = world();
    const { browser } = await connected(w);
    browser.send('x'.repeat(70_000));
    expect((await browser.closed).code).toBe(1009);
  });
});

describe.each(await storeKinds())('signals over a socket, at 4 a minute (%s)', (kind) => {
  const world = useWorld(kind, { realtime: { signalsPerMinute: 4 } }, { shared: true });

  it('refuses a signal over the rate with rate_limited and retry_after, writing nothing', async () => {
    const w = world();
    // The socket's `resume` is the person's first frame of four.
    const { id, browser } = await connected(w);
    for (let i = 1; i <= 4; i++) {
      browser.send({
        type: 'signal',
        signal: { type: 'message', payload: { n: i }, idempotency_key: `k-${i}` },
      });
    }
    const error = await browser.next('error');
    expect(error).toMatchObject({ idempotency_key: 'k-4', error: { code: 'rate_limited' } });
    expect((error.error.details as { retry_after: number }).retry_after).toBeGreaterThanOrEqual(1);
    const keys = (await inspect(w.server.database).signals(id))
      .map((s) => s.idempotency_key)
      .filter((k) => k?.startsWith('k-'));
    expect(keys).toEqual(['k-1', 'k-2', 'k-3']);
  });
});
