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

let registered: WebSocketConstructor | undefined;

/**
 * Sets the WebSocket used when a connection is given none. The package's Node.js entry sets
 * `ws` (Node 20 has no stable global WebSocket); the browser entry sets nothing, so that `ws`
 * never reaches a browser bundle and the page's own `WebSocket` is used.
 */
export function setDefaultWebSocket(impl: WebSocketConstructor): void {
  registered = impl;
}

/** The WebSocket to use when the caller gave none: the one set, else the global one. */
export function defaultWebSocket(): WebSocketConstructor {
  const impl = registered ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (!impl) {
    throw new Error('No WebSocket implementation found: pass one as the `WebSocket` option.');
  }
  return impl;
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
