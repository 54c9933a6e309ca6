import type http from 'node:http';
import type { RealtimeConfig } from '../config.js';
import type { RealtimeBus } from '../events/bus.js';
import type { Logger } from '../logger.js';
import type { SocketSessions } from '../sessions/socket-sessions.js';
import { RealtimeSocketServer } from './socket-server.js';

export interface RealtimeOptions {
  readonly config: RealtimeConfig;
  readonly sessions: SocketSessions;
  /** Where the sessions layer publishes its events; the sockets hear them here. */
  readonly bus: RealtimeBus;
  readonly logger: Logger;
}

/**
 * The websocket transport: a session's socket for each side and an agent's watch, served on the
 * HTTP server's upgrades. It admits, reads and writes through the sessions layer only.
 *
 * @example
 * const realtime = new Realtime({ config, sessions, bus, logger });
 * realtime.attach(httpServer);
 * await realtime.close();
 */
export class Realtime {
  readonly sockets: RealtimeSocketServer;
  #attached: http.Server | undefined;
  readonly #onUpgrade: (...args: Parameters<RealtimeSocketServer['handleUpgrade']>) => void;

  constructor(options: RealtimeOptions) {
    this.sockets = new RealtimeSocketServer(options);
    this.#onUpgrade = (req, socket, head) => this.sockets.handleUpgrade(req, socket, head);
  }

  /** Serves the websockets on an HTTP server and starts the pings. */
  attach(server: http.Server): void {
    if (this.#attached) return;
    this.#attached = server;
    server.on('upgrade', this.#onUpgrade);
    this.sockets.start();
  }

  /** Says goodbye to every socket. */
  async close(): Promise<void> {
    this.#attached?.off('upgrade', this.#onUpgrade);
    await this.sockets.close();
  }
}
