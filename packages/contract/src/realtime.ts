import { z } from 'zod';
import { Timestamp, storableText } from './primitives.js';
import { AgentRealtimeSession, type SessionStatus } from './session.js';

/**
 * Where to open a websocket, and the short-lived ticket that opens it. The ticket is signed by
 * the server for one principal and one session (or one agent's watch); no API key is ever put in
 * a URL. `url` already carries the ticket as `?ticket=`; `token` is the ticket alone.
 *
 * @example
 * const ws = new WebSocket(session.socket.url);
 */
export const RealtimeTicket = z.object({
  url: z.string().min(1),
  token: z.string().min(1),
  expires_at: Timestamp,
});
export type RealtimeTicket = z.infer<typeof RealtimeTicket>;

/** `{"data": ticket}`: a fresh websocket ticket. */
export const RealtimeTicketEnvelope = z.object({ data: RealtimeTicket });
export type RealtimeTicketEnvelope = z.infer<typeof RealtimeTicketEnvelope>;

/** A session with a ticket for its websocket, after the 14 fields. */
export const AgentRealtimeSessionWithSocket = AgentRealtimeSession.extend({
  socket: RealtimeTicket,
});
export type AgentRealtimeSessionWithSocket = z.infer<typeof AgentRealtimeSessionWithSocket>;

/** `{"data": session + socket}`: what the person gets when requesting or reading a session. */
export const SessionWithSocketEnvelope = z.object({ data: AgentRealtimeSessionWithSocket });
export type SessionWithSocketEnvelope = z.infer<typeof SessionWithSocketEnvelope>;

/**
 * `{"data": session + socket?}`: the claim's answer. This server always sends `socket`; the
 * schema lets it be absent because the claim's published example has none.
 */
export const ClaimedSessionEnvelope = z.object({
  data: AgentRealtimeSession.extend({ socket: RealtimeTicket.optional() }),
});
export type ClaimedSessionEnvelope = z.infer<typeof ClaimedSessionEnvelope>;

/** The statuses a session can be closed with by one of its sides. */
export const CloseStatus = z.enum(['closed', 'failed']);
export type CloseStatus = z.infer<typeof CloseStatus>;

/**
 * Body of a deliberate close. Closing a session that has already ended changes nothing and
 * answers with the session as it is, so that a close can be repeated safely.
 */
export const CloseRealtimeSessionBody = z
  .object({
    status: CloseStatus.optional(),
    reason: storableText(
      z
        .string({ invalid_type_error: 'Must be a string.' })
        .min(1, 'Must not be empty.')
        .max(200, 'Must be at most 200 characters.'),
    ).optional(),
  })
  .strict();
export type CloseRealtimeSessionBody = z.infer<typeof CloseRealtimeSessionBody>;

/** Body of a request for a ticket: `{}`, or none. */
export const EmptyBody = z.object({}).passthrough();

/** Statuses a session never leaves. */
export const ENDED_SESSION_STATUSES = ['closed', 'failed', 'expired'] as const;

export function isEndedStatus(status: SessionStatus): boolean {
  return (ENDED_SESSION_STATUSES as readonly string[]).includes(status);
}

/**
 * Websocket paths, relative to the API base path. The session's socket names the session, and
 * its ticket must be for that same session.
 */
export const REALTIME_SOCKET_PATHS = {
  session: '/realtime/sessions/:session/socket',
  watch: '/realtime/watch/socket',
} as const;

/** The query parameter that carries a ticket when opening a websocket. */
export const TICKET_QUERY_PARAM = 'ticket';

/** Reasons the server gives when it changes a session's status (see `session.status` signals). */
export const SESSION_REASONS = {
  claimed: 'claimed',
  agentConnected: 'agent_connected',
  closedByAgent: 'closed_by_agent',
  closedByUser: 'closed_by_user',
  requestExpired: 'request_expired',
  agentNeverConnected: 'agent_never_connected',
  agentHeartbeatTimeout: 'agent_heartbeat_timeout',
} as const;
