import { between, delayingProxy, storeKinds, waitFor } from '@agentmc/testkit';
import { describe, expect, it, onTestFinished } from 'vitest';
import WebSocket from 'ws';
import { claim, range, request, useWorld, type World } from './harness.js';

/**
 * A client written from the README alone, not `@agentmc/api` (which drops repeats): open the
 * socket URL, on `ready` send `resume {after_id}`, and keep every signal frame as it comes.
 */
function readmeClient(url: string, afterId: number) {
  const ws = new WebSocket(url);
  onTestFinished(() => ws.terminate());
  const received: { seq: number; id: number }[] = [];
  let reading = true;
  ws.on('message', (data) => {
    if (!reading) return;
    // The default binaryType: every message is one Buffer.
    const frame = JSON.parse((data as Buffer).toString('utf8')) as {
      type: string;
      signal?: { seq: number; id: number };
    };
    if (frame.type === 'ready') ws.send(JSON.stringify({ type: 'resume', after_id: afterId }));
    if (frame.type === 'signal') received.push({ seq: frame.signal!.seq, id: frame.signal!.id });
  });
  return {
    seqs: () => received.map((s) => s.seq),
    last: () => received.at(-1),
    /** Stops reading (what arrives later is not kept) and says goodbye. */
    close: () => {
      reading = false;
      ws.close(1000);
    },
  };
}

/** The agent writes signals one after another over HTTP until told to stop; returns the last seq. */
function writer(w: World, sessionId: number) {
  let stopped = false;
  let last = 0;
  const done = (async () => {
    for (let n = 0; !stopped; n++) {
      const sent = await w.bot('POST', `/agents/realtime/sessions/${sessionId}/signals`, {
        type: 'n',
        payload: { n },
      });
      expect(sent.status).toBe(201);
      last = sent.body.data.seq as number;
    }
  })();
  return {
    /** Seqs written so far. */
    written: () => last,
    async stop() {
      stopped = true;
      await done;
      return last;
    },
  };
}

describe.each(await storeKinds())('resume behind a slow network (%s)', (kind) => {
  const world = useWorld(kind, {}, { shared: true });

  it('delivers every signal after the resume once, in seq order, while the other side writes', async () => {
    const w = world();
    const requested = await request(w);
    await claim(w, requested.id);
    // 100–400 ms each way: `ready` and the client's `resume` cross while signals are written.
    const proxy = await delayingProxy({
      targetPort: Number(new URL(w.server.origin).port),
      delayMs: between(100, 400),
    });
    onTestFinished(() => proxy.close());
    const viaProxy = (url: string) => {
      const u = new URL(url);
      u.port = String(proxy.port);
      return u.toString();
    };

    const agent = writer(w, requested.id);
    await waitFor(() => expect(agent.written()).toBeGreaterThanOrEqual(5));

    // From the start: resume after 0 while writes go on.
    const first = readmeClient(viaProxy(requested.socket.url), 0);
    const beforeFirst = agent.written();
    await waitFor(() => expect(first.last()?.seq ?? 0).toBeGreaterThanOrEqual(beforeFirst + 20));
    first.close();
    const seen = first.last()!;

    // Again, from the middle, on a fresh ticket, while writes go on.
    const ticket = await w.person('GET', `/realtime/sessions/${requested.id}`);
    const second = readmeClient(viaProxy(ticket.body.data.socket.url), seen.id);
    const beforeSecond = agent.written();
    await waitFor(() => expect(second.last()?.seq ?? 0).toBeGreaterThanOrEqual(beforeSecond + 20));
    const lastSeq = await agent.stop();
    await waitFor(() => expect(second.last()?.seq).toBe(lastSeq));

    expect(first.seqs()).toEqual(range(1, seen.seq));
    expect(second.seqs()).toEqual(range(seen.seq + 1, lastSeq));
  });
});
