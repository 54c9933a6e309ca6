import net from 'node:net';

export interface DelayingProxyOptions {
  /** Where connections are forwarded: a port on 127.0.0.1. */
  readonly targetPort: number;
  /** Each chunk's delay in one direction, in ms; drawn anew for every chunk. */
  readonly delayMs: () => number;
}

export interface DelayingProxy {
  /** The proxy's own port on 127.0.0.1. */
  readonly port: number;
  /** Stops listening and cuts every connection it holds. */
  close(): Promise<void>;
}

/** A delay drawn uniformly from `[min, max]` ms. */
export const between = (min: number, max: number) => () => min + Math.random() * (max - min);

/**
 * A TCP proxy on a free loopback port that holds back every chunk, in each direction, by a delay
 * of its own: a client far away, or on a congested network. Bytes keep their order in each
 * direction (a chunk never overtakes the one before it), as TCP's would; ends and resets are
 * passed on after the data before them.
 *
 * @example
 * const proxy = await delayingProxy({ targetPort: 3000, delayMs: between(100, 400) });
 * const url = socketUrl.replace(/:\d+\//, `:${proxy.port}/`);
 * await proxy.close();
 */
export async function delayingProxy(options: DelayingProxyOptions): Promise<DelayingProxy> {
  const connections = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(options.targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      connections.add(socket);
      socket.on('close', () => connections.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    relay(client, upstream, options.delayMs);
    relay(upstream, client, options.delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of connections) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Copies `from` to `to`, each chunk after its delay but never before the chunk ahead of it. */
function relay(from: net.Socket, to: net.Socket, delayMs: () => number): void {
  const queue: { at: number; action: () => void }[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    while (queue.length > 0 && queue[0]!.at <= Date.now()) queue.shift()!.action();
    if (queue.length > 0) timer = setTimeout(flush, queue[0]!.at - Date.now());
  };
  const later = (action: () => void) => {
    const last = queue.at(-1)?.at ?? 0;
    queue.push({ at: Math.max(Date.now() + delayMs(), last), action });
    timer ??= setTimeout(flush, queue[0]!.at - Date.now());
  };
  from.on('data', (chunk: Buffer) => later(() => to.destroyed || to.write(chunk)));
  from.on('end', () => later(() => to.end()));
  from.on('close', () => later(() => to.destroy()));
}
