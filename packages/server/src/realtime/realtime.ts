import type http from 'node:http';
import { API_BASE_PATH, REALTIME_SOCKET_PATHS, TICKET_QUERY_PARAM } from '@agentmc/contract';
import type { RealtimeTicket } from '@agentmc/contract';
import type { RealtimeConfig } from '../config.js';
import { formatTimestamp, type Clock } from '../domain/clock.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/store.js';
import { InProcessBus, type RealtimeBus } from './bus.js';
import { SessionLifecycle } from './lifecycle.js';
import { RealtimeSocketServer } from './socket-server.js';
import { Sweeper } from './sweeper.js';
import { TicketSigner, type TicketClaims } from './tickets.js';

export interface RealtimeOptions {
  readonly config: RealtimeConfig;
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Fan-out between replicas; an in-process bus when absent. The caller closes what it passes. */
  readonly bus?: RealtimeBus | undefined;
}

/**
 * Everything after the claim, in one place: the session lifecycle, tickets, the websockets and
 * the sweeper. `createApp` makes one; `listen` attaches it to the HTTP server and closes it on
 * shutdown.
 *
 * @example
 * const realtime = new Realtime({ config, store, clock, logger });
 * realtime.attach(httpServer);
 * await realtime.sweep(); // end abandoned sessions now
 * await realtime.close();
 */
export class Realtime {
  readonly lifecycle: SessionLifecycle;
  readonly tickets: TicketSigner;
  readonly sockets: RealtimeSocketServer;
  readonly sweeper: Sweeper;
  readonly #options: RealtimeOptions;
  readonly #bus: RealtimeBus;
  readonly #ownsBus: boolean;
  #attached: http.Server | undefined;
  readonly #onUpgrade: (...args: Parameters<RealtimeSocketServer['handleUpgrade']>) => void;

  constructor(options: RealtimeOptions) {
    const { config, store, clock, logger } = options;
    this.#options = options;
    this.#ownsBus = !options.bus;
    this.#bus = options.bus ?? new InProcessBus();
    this.tickets = new TicketSigner({
      secret: config.ticketSecret,
      ttlSeconds: config.ticketTtlSeconds,
    });
    this.lifecycle = new SessionLifecycle({ store, bus: this.#bus, clock, logger, config });
    this.sockets = new RealtimeSocketServer({
      config,
      store,
      bus: this.#bus,
      lifecycle: this.lifecycle,
      tickets: this.tickets,
      clock,
      logger,
    });
    this.sweeper = new Sweeper({
      lifecycle: this.lifecycle,
      logger,
      intervalSeconds: config.sweepIntervalSeconds,
    });
    this.#onUpgrade = (req, socket, head) => this.sockets.handleUpgrade(req, socket, head);
  }

  /**
   * A ticket for one socket, and the URL to open it at. `origin` is where the client reached
   * the API (`ws://host:port`), used unless a public URL is configured.
   */
  socketFor(origin: string, claims: TicketClaims): RealtimeTicket {
    const { token, expiresAt } = this.tickets.issue(claims, this.#options.clock());
    const base = this.#options.config.publicUrl ?? `${origin}${API_BASE_PATH}`;
    const path =
      claims.kind === 'watch'
        ? REALTIME_SOCKET_PATHS.watch
        : REALTIME_SOCKET_PATHS.session.replace(':session', String(claims.sessionId));
    return {
      url: `${base}${path}?${TICKET_QUERY_PARAM}=${encodeURIComponent(token)}`,
      token,
      expires_at: formatTimestamp(expiresAt),
    };
  }

  /** Serves the websockets on an HTTP server and starts the sweeper and the pings. */
  attach(server: http.Server): void {
    if (this.#attached) return;
    this.#attached = server;
    server.on('upgrade', this.#onUpgrade);
    this.sockets.start();
    this.sweeper.start();
  }

  /** Ends abandoned sessions now, as the sweeper's timer would. */
  sweep(): Promise<number> {
    return this.sweeper.tick();
  }

  /** Stops the sweeper, says goodbye to every socket, and closes the bus if it made it. */
  async close(): Promise<void> {
    this.#attached?.off('upgrade', this.#onUpgrade);
    await this.sweeper.stop();
    await this.sockets.close();
    if (this.#ownsBus) await this.#bus.close();
  }
}
