import { connectWatch, RealtimeProtocolError, type RealtimeTicket } from '@agentmc/api';
import { waitFor } from '@agentmc/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { startStubSocketServer } from './realtime-helpers.js';

// What the real server never does, staged with a bare websocket server: silence, frames the
// contract does not describe, tickets that cannot be had for a while.

const stubs: { close(): Promise<void> }[] = [];
const closers: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c.close()));
  await Promise.all(stubs.splice(0).map((s) => s.close()));
});

const ready = JSON.stringify({ type: 'ready', agent_id: 1, heartbeat_interval_seconds: 1 });

function ticketFor(url: string): RealtimeTicket {
  return { url, token: 't', expires_at: new Date(Date.now() + 60_000).toISOString() };
}

describe('a realtime connection against a misbehaving peer', () => {
  it('pings while open, and takes a silent peer for dead and reconnects', async () => {
    const received: string[][] = [];
    const stub = await startStubSocketServer((socket, frames) => {
      received.push(frames);
      socket.send(ready); // then silence: no pongs
    });
    stubs.push(stub);
    const watch = connectWatch({
      refresh: async () => ticketFor(stub.url),
      heartbeatMs: 100,
      reconnect: { minMs: 10, maxMs: 20 },
    });
    closers.push(watch);
    const reconnect = await watch.next('reconnecting');
    expect(reconnect.reason).toMatch(/heartbeat/);
    await waitFor(() => expect(stub.connections, 'a second connection').toBeGreaterThanOrEqual(2));
    expect(received[0]!.map((f) => JSON.parse(f).type)).toContain('ping');
  });

  it('reports frames the contract does not describe as errors, and carries on', async () => {
    const stub = await startStubSocketServer((socket) => {
      socket.send('not json');
      socket.send(JSON.stringify({ type: 'session.requested', session: { id: 'x' } }));
      socket.send(Buffer.from([1, 2, 3]));
      socket.send(ready);
    });
    stubs.push(stub);
    const watch = connectWatch({ refresh: async () => ticketFor(stub.url) });
    closers.push(watch);
    const errors: Error[] = [];
    watch.on('error', (error) => errors.push(error));
    await watch.next('ready');
    expect(watch.state).toBe('open');
    expect(errors).toHaveLength(3);
    expect(errors.every((e) => e instanceof RealtimeProtocolError)).toBe(true);
    expect(errors[0]!.message).toMatch(/not JSON/);
    expect(errors[1]!.message).toMatch(/session/);
  });

  it('retries with backoff while no ticket can be had, then connects', async () => {
    const stub = await startStubSocketServer((socket) => socket.send(ready));
    stubs.push(stub);
    let asked = 0;
    const watch = connectWatch({
      refresh: async () => {
        if (++asked < 3) throw new TypeError('fetch failed');
        return ticketFor(stub.url);
      },
      reconnect: { minMs: 10, maxMs: 40 },
      random: () => 1,
    });
    closers.push(watch);
    const delays: number[] = [];
    watch.on('reconnecting', (info) => delays.push(info.delayMs));
    await watch.next('ready');
    expect(asked).toBe(3);
    expect(delays).toEqual([10, 20]);
  });

  it('without reconnect, the first lost socket ends the connection', async () => {
    const stub = await startStubSocketServer((socket) => {
      socket.send(ready);
      setTimeout(() => socket.terminate(), 20);
    });
    stubs.push(stub);
    const watch = connectWatch({ socket: ticketFor(stub.url), reconnect: false });
    closers.push(watch);
    expect((await watch.closed).reason).toBe('lost');
    expect(stub.connections).toBe(1);
  });
});
