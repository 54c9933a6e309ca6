import { SOCKET_CLOSE_CODES } from '@agentmc/contract';
import { describe, expect, it } from 'vitest';
import { connected, useWorld } from './harness.js';

describe('a socket that does not read (sqlite)', () => {
  const world = useWorld('sqlite', { realtime: { maxBufferedBytes: 65_536 } });

  it('is disconnected once its unsent bytes pass the bound, and the others go on', async () => {
    const w = world();
    const { id, browser, agent } = await connected(w);
    // The agent's process stalls: it stops reading its socket.
    agent.ws.pause();
    const payload = { text: 'p'.repeat(30_000) };
    let sent = 0;
    // Enough to fill the kernel's buffers on both ends, then the server's bound.
    while (w.server.realtime.sockets.counts.sessions > 1 && sent < 2_000) {
      const batch = Array.from({ length: 20 }, () =>
        w.person('POST', `/realtime/sessions/${id}/signals`, { type: 'bulk', payload }),
      );
      for (const reply of await Promise.all(batch)) expect(reply.status).toBe(201);
      sent += 20;
    }
    expect(w.server.realtime.sockets.counts.sessions).toBe(1);
    agent.ws.resume();
    expect([SOCKET_CLOSE_CODES.tooSlow, 1006]).toContain((await agent.closed).code);

    // The person's socket, which reads, got everything.
    await browser.signal((s) => s.type === 'bulk' && s.seq === 2 + sent);
    expect(browser.signals().filter((s) => s.type === 'bulk')).toHaveLength(sent);
  });
});
