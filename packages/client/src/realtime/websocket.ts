/**
 * The part of a WebSocket this client uses: the standard browser interface, which the `ws`
 * package implements too. Pass a browser's `WebSocket`, `ws`, or anything shaped like them.
 * Events are typed loosely on purpose: browsers and `ws` declare them differently, and only
 * `data`, `code` and `reason` are read.
 */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: LooseEvent) => void) | null;
  onmessage: ((event: LooseEvent) => void) | null;
  onclose: ((event: LooseEvent) => void) | null;
  onerror: ((event: LooseEvent) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/**
 * An event of either kind of WebSocket. `unknown` would not do: a handler property is writable,
 * so a browser's `(event: Event) => void` must accept what ours declares.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
type LooseEvent = any;

/** A WebSocket class: `new WebSocket(url)`. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** `WebSocket.OPEN`, the same number everywhere. */
export const WEBSOCKET_OPEN = 1;

/**
 * The WebSocket to use when the caller gave none: `ws` on Node.js (Node 20 has no stable global
 * WebSocket), the global one elsewhere. `ws` is loaded only here, on first use, so that a
 * browser bundle that passes its own WebSocket never needs it.
 */
export async function defaultWebSocket(): Promise<WebSocketConstructor> {
  if (typeof globalThis.process?.versions?.node === 'string') {
    const ws = await import('ws');
    return ws.WebSocket;
  }
  const global = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (!global) {
    throw new Error('No WebSocket implementation found: pass one as the `WebSocket` option.');
  }
  return global;
}

/**
 * Drops a socket at once. `ws` can cut the TCP connection (`terminate`); a browser socket can
 * only be asked to close, so its handlers are detached first and its late events ignored.
 */
export function abandon(ws: WebSocketLike): void {
  ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
  // A handshake that fails later must not surface as an unhandled 'error' in `ws`.
  ws.onerror = () => undefined;
  const terminate = (ws as { terminate?: () => void }).terminate;
  try {
    if (typeof terminate === 'function') terminate.call(ws);
    else ws.close();
  } catch {
    // Already closed.
  }
}

/** The text of a message event's data, or undefined for a binary frame. */
export function textOf(data: unknown): string | undefined {
  if (typeof data === 'string') return data;
  return undefined;
}
