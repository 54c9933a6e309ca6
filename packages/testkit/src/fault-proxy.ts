import net from 'node:net';

/** A TCP proxy in front of a server (PostgreSQL) that a test can break in the ways networks do. */
export interface FaultProxy {
  /** The target's URL with the proxy's host and port in place of the target's. */
  readonly url: string;
  readonly port: number;
  /** Connections open through the proxy now. */
  readonly connections: number;
  /** Connections reset on arrival so far, while refusing. */
  readonly refused: number;
  /**
   * Cuts every open connection with a TCP reset (the peer sees ECONNRESET), as a crashed
   * server or a middlebox that lost its state would. New connections pass as before.
   */
  reset(): void;
  /**
   * The database is down: cuts every open connection and resets every new one, until
   * {@link restore}.
   */
  refuse(): void;
  /**
   * A black hole: nothing passes any more, in either direction, and nothing is closed. Open
   * connections go silent; new ones are accepted and then hear nothing. Until {@link restore}.
   */
  blackhole(): void;
  /**
   * Forwards again. Connections held by a black hole carry on where they stopped (the network
   * healed), unless their ends gave up on them meanwhile.
   */
  restore(): void;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

type Mode = 'pass' | 'refuse' | 'blackhole';

interface Pair {
  readonly client: net.Socket;
  /** Undefined while a connection accepted during a black hole waits for the restore. */
  upstream: net.Socket | undefined;
  /** Bytes a black hole swallowed, each way, delivered in order if it heals. */
  readonly held: { up: Buffer[]; down: Buffer[] };
}

/**
 * Starts a {@link FaultProxy} on a free loopback port in front of `target` (a URL such as
 * `postgres://postgres@127.0.0.1:5432/test`; its host and port are where bytes go).
 *
 * @example
 * const proxy = await startFaultProxy(PG_TEST_URL);
 * const server = await spawnServer({ DATABASE_URL: proxy.url, … });
 * proxy.blackhole();   // requests now answer 503 within the statement timeout
 * proxy.restore();
 */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const targetUrl = new URL(target);
  const targetPort = Number(targetUrl.port || 5432);
  const targetHost = targetUrl.hostname;
  const pairs = new Set<Pair>();
  let mode: Mode = 'pass';
  let refused = 0;

  const connectUpstream = (pair: Pair) => {
    const upstream = net.connect(targetPort, targetHost);
    pair.upstream = upstream;
    upstream.on('error', () => undefined);
    upstream.on('close', () => pair.client.destroy());
    upstream.on('data', (chunk: Buffer) => {
      if (mode === 'blackhole') pair.held.down.push(chunk);
      else pair.client.write(chunk);
    });
    flush(pair);
  };
  const flush = (pair: Pair) => {
    for (const chunk of pair.held.up.splice(0)) pair.upstream?.write(chunk);
    for (const chunk of pair.held.down.splice(0)) pair.client.write(chunk);
  };
  const cut = (pair: Pair) => {
    if (!pair.client.destroyed) pair.client.resetAndDestroy();
    pair.upstream?.destroy();
    pairs.delete(pair);
  };

  const server = net.createServer((client) => {
    client.on('error', () => undefined);
    if (mode === 'refuse') {
      refused++;
      client.resetAndDestroy();
      return;
    }
    const pair: Pair = { client, upstream: undefined, held: { up: [], down: [] } };
    pairs.add(pair);
    client.on('data', (chunk: Buffer) => {
      if (mode === 'blackhole' || !pair.upstream) pair.held.up.push(chunk);
      else pair.upstream.write(chunk);
    });
    client.on('close', () => {
      pairs.delete(pair);
      pair.upstream?.destroy();
    });
    if (mode !== 'blackhole') connectUpstream(pair);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String(port);

  return {
    url: url.toString(),
    port,
    get connections() {
      return pairs.size;
    },
    get refused() {
      return refused;
    },
    reset() {
      for (const pair of [...pairs]) cut(pair);
    },
    refuse() {
      mode = 'refuse';
      for (const pair of [...pairs]) cut(pair);
    },
    blackhole() {
      mode = 'blackhole';
    },
    restore() {
      mode = 'pass';
      for (const pair of pairs) {
        if (pair.client.destroyed) continue;
        if (pair.upstream) flush(pair);
        else connectUpstream(pair);
      }
    },
    async close() {
      mode = 'refuse';
      for (const pair of [...pairs]) cut(pair);
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
