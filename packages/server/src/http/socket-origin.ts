import type { Request } from 'express';

/**
 * Where a client is told to open its websocket when `REALTIME_PUBLIC_URL` is unset: the host it
 * reached us by, if that host is on the allow-list (`REALTIME_ALLOWED_HOSTS`); otherwise the
 * address this server answered on. Never an arbitrary `Host` header: the URL carries a ticket,
 * and a forged Host would send it to someone else's server.
 *
 * @example
 * const originOf = socketOrigin(['api.example.com']);
 * originOf(req); // 'ws://api.example.com' for that Host; 'ws://10.0.0.5:3000' for any other
 */
export function socketOrigin(
  allowedHosts: readonly string[],
): (req: Pick<Request, 'protocol' | 'headers' | 'socket'>) => string {
  const allowed = new Set(allowedHosts.map((host) => host.toLowerCase()));
  return (req) => {
    const scheme = req.protocol === 'https' ? 'wss' : 'ws';
    const host = req.headers.host?.toLowerCase();
    if (host !== undefined && (allowed.has(host) || allowed.has(withoutPort(host)))) {
      return `${scheme}://${host}`;
    }
    return `${scheme}://${ownAddress(req.socket.localAddress, req.socket.localPort)}`;
  };
}

function withoutPort(host: string): string {
  return host.replace(/:\d+$/, '');
}

/** The address and port the connection reached, as a URL's host. */
function ownAddress(address: string | undefined, port: number | undefined): string {
  const ip = (address ?? '127.0.0.1').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
  const host = ip.includes(':') ? `[${ip}]` : ip;
  return port === undefined ? host : `${host}:${port}`;
}
