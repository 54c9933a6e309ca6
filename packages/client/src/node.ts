import { WebSocket } from 'ws';
import { setDefaultWebSocket } from './realtime/websocket.js';

// The package's entry on Node.js: everything the browser entry has, with `ws` as the default
// WebSocket (Node 20 has no stable global one). Bundlers for the browser take `index.js`
// instead (the `browser` condition), which never imports `ws`.
setDefaultWebSocket(WebSocket);

export * from './index.js';
