import type http from 'node:http';
import { rawErrorResponse } from '../errors/raw-response.js';
import type { Duplex } from 'node:stream';
import {
  API_BASE_PATH,
  REALTIME_SOCKET_PATHS,
  SOCKET_CLOSE_CODES,
  TICKET_QUERY_PARAM,
} from '@agentmc/contract';
import { WebSocketServer, type WebSocket } from 'ws';
import type { RealtimeConfig } from '../config.js';
import { forbidden, notFound, unauthenticated, unavailable } from '../errors/failures.js';
import { toApiError } from '../errors/to-api-error.js';
import type { RealtimeBus, RealtimeEvent } from '../events/bus.js';
import type { Logger } from '../logger.js';
import type { Admission, SocketSessions, SocketTarget } from '../sessions/socket-sessions.js';
import { SessionSocket } from './session-socket.js';
import { SocketRegistry, type Place } from './socket-registry.js';
import { WatchDispatch } from './watch-dispatch.js';
import { WatchSocket } from './watch-socket.js';

const SESSION_PATH = new RegExp(
  `^${API_BASE_PATH}${REALTIME_SOCKET_PATHS.session.replace(':session', '(\\d{1,16})')}$`,
);
const WATCH_PATH = `${API_BASE_PATH}${REALTIME_SOCKET_PATHS.watch}`;

export interface SocketServerDeps {
  readonly config: RealtimeConfig;
  readonly sessions: SocketSessions;
  readonly bus: RealtimeBus;
  readonly logger: Logger;
}

/**
 * The websockets under `/api/v1`: a session's socket for each side, and an agent's watch. Opens
 * them on the HTTP server's `upgrade` once the ticket checks out and the limits allow, keeps
 * them by session and by agent, hands them the bus's events (a requested session through
 * {@link WatchDispatch}), closes those whose access was revoked, pings them, and closes them all
 * on shutdown.
 */
export class RealtimeSocketServer {
  readonly #deps: SocketServerDeps;
  readonly #wss: WebSocketServer;
  readonly #sessions = new Map<number, Set<SessionSocket>>();
  readonly #watchers = new Map<number, Set<WatchSocket>>();
  readonly #registry: SocketRegistry;
  readonly #dispatch: WatchDispatch;
  readonly #unsubscribe: () => void;
  #pingTimer: NodeJS.Timeout | undefined;
  #closing = false;

  constructor(deps: SocketServerDeps) {
    this.#deps = deps;
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: deps.config.maxFrameBytes,
      perMessageDeflate: false,
    });
    this.#registry = new SocketRegistry(deps.config);
    this.#dispatch = new WatchDispatch(
      deps.config.dispatchGraceMs,
      (agentId) => this.#watchers.get(agentId) ?? [],
    );
    this.#unsubscribe = deps.bus.subscribe((event) => this.#route(event));
  }

  /** Starts the ping round. */
  start(): void {
    this.#pingTimer ??= setInterval(() => {
      for (const sockets of this.#sessions.values()) for (const s of sockets) s.peer.checkAlive();
      for (const sockets of this.#watchers.values()) for (const s of sockets) s.peer.checkAlive();
    }, this.#deps.config.pingIntervalSeconds * 1000);
    this.#pingTimer.unref();
    this.#deps.sessions.presence.start();
  }

  /** How many sockets are open, per kind. */
  get counts(): { sessions: number; watchers: number } {
    let sessions = 0;
    let watchers = 0;
    for (const set of this.#sessions.values()) sessions += set.size;
    for (const set of this.#watchers.values()) watchers += set.size;
    return { sessions, watchers };
  }

  /** The HTTP server's `upgrade` handler. */
  handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://localhost');
    const sessionMatch = SESSION_PATH.exec(url.pathname);
    const target: SocketTarget | undefined =
      sessionMatch?.[1] !== undefined
        ? { kind: 'session', sessionId: Number(sessionMatch[1]) }
        : url.pathname === WATCH_PATH
          ? { kind: 'watch' }
          : undefined;
    if (!target) {
      reject(socket, notFound('No such route.'), this.#deps.logger);
      return;
    }
    const { sessions } = this.#deps;
    // An address that failed to authenticate too often is refused before anything is read.
    const address = req.socket.remoteAddress ?? 'unknown';
    const blocked = sessions.authBlocked(address);
    if (blocked) return reject(socket, blocked, this.#deps.logger);
    // The replica's limit comes first, before the ticket costs a read.
    const reserved = this.#registry.reserve();
    if (!reserved.ok) {
      reject(socket, reserved, this.#deps.logger);
      return;
    }
    const place = reserved.value;
    socket.once('close', () => place.release());
    // A refused client that never hangs up must not keep its place.
    const refuse = (failure: unknown) => {
      place.release();
      reject(socket, failure, this.#deps.logger);
    };
    sessions
      .admit(target, url.searchParams.get(TICKET_QUERY_PARAM))
      .then((admitted) => {
        if (!admitted.ok) {
          if (admitted.status === 401 || admitted.status === 403) sessions.authFailed(address);
          return refuse(admitted);
        }
        if (this.#closing) return refuse(unavailable(1));
        const assigned = place.assign(admitted.value);
        if (!assigned.ok) return refuse(assigned);
        this.#wss.handleUpgrade(req, socket, head, (ws) => this.#open(ws, admitted.value, place));
      })
      .catch(refuse);
  }

  /** Says goodbye to every socket (they reconnect elsewhere and resume), then stops. */
  async close(): Promise<void> {
    this.#closing = true;
    clearInterval(this.#pingTimer);
    this.#unsubscribe();
    this.#dispatch.close();
    const closed: Promise<void>[] = [];
    for (const ws of this.#wss.clients) {
      closed.push(new Promise((resolve) => ws.once('close', () => resolve())));
      ws.close(SOCKET_CLOSE_CODES.goingAway, 'server shutting down');
    }
    const grace = new Promise<void>((resolve) => setTimeout(resolve, 1_000).unref());
    await Promise.race([Promise.all(closed), grace]);
    for (const ws of this.#wss.clients) ws.terminate();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    this.#deps.sessions.presence.stop();
  }

  #open(ws: WebSocket, admission: Admission, place: Place): void {
    const { config, sessions, logger } = this.#deps;
    const common = {
      sessions,
      heartbeatIntervalSeconds: heartbeatIntervalOf(config),
      maxBufferedBytes: config.maxBufferedBytes,
    };
    if (admission.kind === 'session') {
      const socket = new SessionSocket(ws, {
        ...common,
        admission,
        logger: logger.child({ session_id: admission.sessionId, side: admission.actor.kind }),
        heartbeatWriteSeconds: config.heartbeatWriteSeconds,
      });
      track(this.#sessions, admission.sessionId, socket);
      place.attach((failure) => socket.peer.revoke(failure));
    } else {
      const socket = new WatchSocket(ws, {
        ...common,
        agent: admission.actor,
        logger: logger.child({ agent_id: admission.actor.agentId, watch: true }),
      });
      track(this.#watchers, admission.actor.agentId, socket);
      place.attach((failure) => socket.peer.revoke(failure));
      const { agentId } = admission.actor;
      sessions.presence.watchOpened(agentId);
      socket.peer.onClose(() => {
        sessions.presence.watchClosed(agentId);
        this.#dispatch.closed(socket);
      });
    }
  }

  /** Asks the store, once per key, whether the open sockets' principals may still act. */
  async #recheckStanding(): Promise<void> {
    for (const owner of this.#registry.owners()) {
      try {
        const standing = await this.#deps.sessions.standing(owner.actor, owner.credential);
        if (!standing.ok) this.#registry.revoke(owner.credential, standing);
      } catch (error) {
        this.#deps.logger.warn({ err: error }, 'websocket access recheck failed');
        return;
      }
    }
  }

  #route(event: RealtimeEvent): void {
    if (event.kind === 'revoked') {
      if (event.keyId !== null) {
        this.#registry.revoke(
          { keyId: event.keyId },
          unauthenticated('The API key behind this socket was revoked.'),
        );
      }
      if (event.agentId !== null) {
        this.#registry.revoke({ agentId: event.agentId }, forbidden('This agent is disabled.'));
      }
      return;
    }
    if (event.kind === 'resync') {
      // A revocation may have been among the missed events.
      void this.#recheckStanding();
      for (const sockets of this.#sessions.values()) for (const s of sockets) s.onEvent(event);
      for (const sockets of this.#watchers.values()) for (const s of sockets) s.onEvent(event);
      return;
    }
    if (event.kind === 'presence') return;
    if (event.kind === 'requested') {
      this.#dispatch.requested(event);
      return;
    }
    if (event.kind === 'session') this.#dispatch.changed(event);
    for (const s of this.#sessions.get(event.sessionId) ?? []) s.onEvent(event);
  }
}

/** A socket joins its group now and leaves it when it closes. */
function track<T extends { peer: { onClose(listener: () => void): void } }>(
  groups: Map<number, Set<T>>,
  key: number,
  socket: T,
): void {
  let group = groups.get(key);
  if (!group) groups.set(key, (group = new Set()));
  group.add(socket);
  socket.peer.onClose(() => {
    group.delete(socket);
    if (group.size === 0 && groups.get(key) === group) groups.delete(key);
  });
}

/** How often clients are asked to show signs of life: well inside the agent's timeout. */
export function heartbeatIntervalOf(config: RealtimeConfig): number {
  return Math.max(
    1,
    Math.min(config.pingIntervalSeconds, Math.floor(config.heartbeatTimeoutSeconds / 3)),
  );
}

/**
 * Answers a refused upgrade in the API's error envelope, then hangs up. The failure becomes an
 * ApiError the same way an HTTP request's does.
 */
function reject(socket: Duplex, failure: unknown, logger: Logger): void {
  const apiError = toApiError(failure);
  if (apiError.status >= 500) logger.warn({ err: failure }, 'websocket upgrade failed');
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(rawErrorResponse(apiError));
}
