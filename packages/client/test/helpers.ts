import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A bare HTTP server standing in for whatever may sit between a client and the API (a proxy
 * answering 502, a hung upstream). It is not the API: the API is always the real server.
 */
export async function startStubServer(
  handler: http.RequestListener,
): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/api/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
