import type { ErrorEnvelope, RealtimeTicket } from '@agentmc/contract';
import type { AgentMCApi } from '../agentmc-api.js';
import { retryAfterMs } from '../retry-after.js';
import { RealtimeTicketError } from './errors.js';
import type { TicketSource } from './link.js';

// Where fresh websocket tickets come from, one source per kind of socket. Each throws
// RealtimeTicketError on an error status (permanent unless 429 or 5xx), and lets network errors
// through: a connection retries those.

type Failed = { status: number; error: ErrorEnvelope; headers: Headers };

function refused(operation: string, result: Failed): RealtimeTicketError {
  return new RealtimeTicketError(operation, result.status, result.error.error, {
    retryAfterMs: retryAfterMs(result.headers),
  });
}

/**
 * Fresh tickets for the agent's socket on a session it claimed (`createAgentRealtimeSocket`).
 *
 * @example
 * const connection = connectRealtime({ refresh: agentSessionTickets(api, 42) });
 */
export function agentSessionTickets(api: AgentMCApi, sessionId: number): TicketSource {
  return async (): Promise<RealtimeTicket> => {
    const result = await api.operations.createAgentRealtimeSocket({
      params: { path: { session: sessionId } },
      body: {},
    });
    if (result.error) throw refused('createAgentRealtimeSocket', result);
    return result.data.data;
  };
}

/**
 * Fresh tickets for the person's socket on a session they requested: reading the session
 * (`getRealtimeSession`) returns one.
 */
export function personSessionTickets(api: AgentMCApi, sessionId: number): TicketSource {
  return async (): Promise<RealtimeTicket> => {
    const result = await api.operations.getRealtimeSession({
      params: { path: { session: sessionId } },
    });
    if (result.error) throw refused('getRealtimeSession', result);
    return result.data.data.socket;
  };
}

/** Fresh tickets for the agent's watch socket (`createAgentRealtimeWatch`). */
export function agentWatchTickets(api: AgentMCApi): TicketSource {
  return async (): Promise<RealtimeTicket> => {
    const result = await api.operations.createAgentRealtimeWatch({ body: {} });
    if (result.error) throw refused('createAgentRealtimeWatch', result);
    return result.data.data;
  };
}
