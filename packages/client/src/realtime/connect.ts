import type { RealtimeTicket } from '@agentmc/contract';
import type { AgentMCApi } from '../agentmc-api.js';
import type { LinkOptions } from './link.js';
import { RealtimeConnection, type RealtimeConnectionOptions } from './realtime-connection.js';
import { agentSessionTickets, agentWatchTickets, personSessionTickets } from './tickets.js';
import { WatchConnection } from './watch-connection.js';

/** Options of the `connect…` helpers that get their tickets from the API themselves. */
export type SessionConnectOptions = Omit<RealtimeConnectionOptions, 'socket' | 'refresh'>;
export type WatchConnectOptions = Omit<LinkOptions, 'socket' | 'refresh'>;

/** A session as the claim, the request or the read returns it: its id, and maybe a ticket. */
export interface SessionWithTicket {
  readonly id: number;
  readonly socket?: RealtimeTicket | undefined;
}

/**
 * Opens a realtime session's websocket with a ticket, and keeps it open: see
 * {@link RealtimeConnection}. Give `refresh` so that it can reconnect after the first ticket
 * has expired; the `connectAgentSession` and `connectPersonSession` helpers do that for you.
 *
 * @example
 * import { WebSocket } from 'ws'; // or, in a browser, the global WebSocket
 * const connection = connectRealtime({ socket: session.socket, refresh, WebSocket });
 */
export function connectRealtime(options: RealtimeConnectionOptions): RealtimeConnection {
  return new RealtimeConnection(options);
}

/** Opens an agent's watch websocket with a ticket, and keeps it open: see {@link WatchConnection}. */
export function connectWatch(options: LinkOptions): WatchConnection {
  return new WatchConnection(options);
}

/**
 * The agent's connection to a session it claimed: the claim's ticket first, then fresh ones from
 * `createAgentRealtimeSocket` for every reconnect.
 *
 * @example
 * const claim = await api.operations.claimAgentRealtimeSession({
 *   params: { path: { session: 42 } },
 *   body: {},
 * });
 * if (claim.status === 200) {
 *   const connection = connectAgentSession(api, claim.data.data);
 *   for await (const signal of connection.signals()) console.log(signal.type, signal.payload);
 * }
 */
export function connectAgentSession(
  api: AgentMCApi,
  session: SessionWithTicket,
  options: SessionConnectOptions = {},
): RealtimeConnection {
  return connectRealtime({
    ...options,
    socket: session.socket,
    refresh: agentSessionTickets(api, session.id),
  });
}

/**
 * The person's connection to a session they requested: the request's (or read's) ticket
 * first, then a fresh one from `getRealtimeSession` for every reconnect.
 *
 * @example
 * const created = await api.operations.createRealtimeSession({ body: { agent_id: 3 } });
 * if (created.status === 201) {
 *   const connection = connectPersonSession(api, created.data.data);
 *   await connection.next('session', { match: (s) => s.status === 'active' });
 * }
 */
export function connectPersonSession(
  api: AgentMCApi,
  session: SessionWithTicket,
  options: SessionConnectOptions = {},
): RealtimeConnection {
  return connectRealtime({
    ...options,
    socket: session.socket,
    refresh: personSessionTickets(api, session.id),
  });
}

/**
 * The agent's watch connection, with tickets from `createAgentRealtimeWatch`.
 *
 * @example
 * const watch = connectAgentWatch(api);
 * for await (const session of watch.requests()) void claim(session.id);
 */
export function connectAgentWatch(
  api: AgentMCApi,
  options: WatchConnectOptions = {},
): WatchConnection {
  return connectWatch({ ...options, refresh: agentWatchTickets(api) });
}
