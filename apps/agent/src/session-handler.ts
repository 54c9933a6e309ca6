import type { AgentMCApi, AgentRealtimeSession, RealtimeTicket } from '@agentmc/api';
import type { AgentLogger } from './logger.js';

/** A session the agent won: the 14 fields, and the ticket for its websocket. */
export type ClaimedSession = AgentRealtimeSession & { readonly socket?: RealtimeTicket };

/** What a {@link SessionHandler} gets along with the session it won. */
export interface ClaimContext {
  /** The client the agent claimed with, for the session's further operations. */
  readonly api: AgentMCApi;
  readonly logger: AgentLogger;
  /** Aborts when the agent stops: a deliberate shutdown, the one time to close the session. */
  readonly signal: AbortSignal;
}

/**
 * What the agent does with a session once its claim won: the seam where the session's message
 * handling plugs in. The agent calls `onClaimed` without waiting for it, so a handler may run
 * for the session's whole life; `stop()` aborts `context.signal` and waits for every handler to
 * settle. A handler that throws is logged, never stops the agent.
 *
 * @example
 * const handler: SessionHandler = {
 *   async onClaimed(session, { logger }) {
 *     logger.info('session.handling', { session_id: session.id });
 *   },
 * };
 * createAgent({ api, handler });
 */
export interface SessionHandler {
  onClaimed(session: ClaimedSession, context: ClaimContext): void | Promise<void>;
}

/** Claims and logs, nothing more: the server fails the session when nobody connects to it. */
export const logOnlyHandler: SessionHandler = {
  onClaimed(session, { logger }) {
    logger.debug('session.unhandled', {
      session_id: session.id,
      note: 'no session handler configured; the server expires the session if nobody connects',
    });
  },
};
