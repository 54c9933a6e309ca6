import type { ErrorCode, ErrorEnvelope } from './errors.js';
import type { OperationId } from './contract.js';
import type { RealtimeTicket } from './realtime.js';
import type { AgentRealtimeSession } from './session.js';
import type { RealtimeSignal } from './signal.js';

// Examples for the API documents: one conversation, session 42 of agent 7, requested by person 3.
// The contract's tests parse every one with the schema it illustrates.

const sessionRequested: AgentRealtimeSession = {
  id: 42,
  team_id: 1,
  agent_id: 7,
  requested_by_user_id: 3,
  status: 'requested',
  claimed_at: null,
  opened_at: null,
  closed_at: null,
  expires_at: '2026-02-22T17:31:00Z',
  last_browser_heartbeat_at: null,
  last_agent_heartbeat_at: null,
  meta: { topic: 'billing' },
  created_at: '2026-02-22T17:21:00Z',
  updated_at: '2026-02-22T17:21:00Z',
};

const sessionClaimed: AgentRealtimeSession = {
  ...sessionRequested,
  status: 'claimed',
  claimed_at: '2026-02-22T17:21:01Z',
  updated_at: '2026-02-22T17:21:01Z',
};

const sessionClosed: AgentRealtimeSession = {
  ...sessionClaimed,
  status: 'closed',
  opened_at: '2026-02-22T17:21:02Z',
  closed_at: '2026-02-22T17:25:40Z',
  last_agent_heartbeat_at: '2026-02-22T17:25:30Z',
  last_browser_heartbeat_at: '2026-02-22T17:25:35Z',
  updated_at: '2026-02-22T17:25:40Z',
};

const ticket = (path: string): RealtimeTicket => ({
  url: `wss://agentmc.example.com/api/v1${path}?ticket=v1.eyJzIjo0Mn0.c2lnbmF0dXJl`,
  token: 'v1.eyJzIjo0Mn0.c2lnbmF0dXJl',
  expires_at: '2026-02-22T17:22:01Z',
});
const sessionTicket = ticket('/realtime/sessions/42/socket');

const signal: RealtimeSignal = {
  id: 1201,
  seq: 3,
  team_id: 1,
  agent_id: 7,
  session_id: 42,
  sender: 'browser',
  type: 'message',
  payload: { kind: 'chat.user', text: 'Why was I charged twice?' },
  created_at: '2026-02-22T17:21:10Z',
};

/** A successful answer of each operation: its status and body. */
export const SUCCESS_EXAMPLES: Record<OperationId, { status: number; body: unknown }> = {
  listAgentRealtimeRequestedSessions: { status: 200, body: { data: [sessionRequested] } },
  claimAgentRealtimeSession: {
    status: 200,
    body: { data: { ...sessionClaimed, socket: sessionTicket } },
  },
  listAgentRealtimeSignals: { status: 200, body: { data: [signal], session: sessionClaimed } },
  createAgentRealtimeSignal: {
    status: 201,
    body: {
      data: { ...signal, id: 1202, seq: 4, sender: 'agent', payload: { text: 'Let me check.' } },
    },
  },
  closeAgentRealtimeSession: { status: 200, body: { data: sessionClosed } },
  createAgentRealtimeSocket: { status: 200, body: { data: sessionTicket } },
  createAgentRealtimeWatch: { status: 200, body: { data: ticket('/realtime/watch/socket') } },
  createRealtimeSession: {
    status: 201,
    body: { data: { ...sessionRequested, socket: sessionTicket } },
  },
  createRealtimeBrowserToken: {
    status: 201,
    body: {
      data: {
        token: 'amt_1771782360_Q2hlY2sgdGhlIGZyZXNoIHRva2VuIGhlcmU',
        expires_at: '2026-02-22T17:46:00Z',
      },
    },
  },
  listRealtimeAgents: {
    status: 200,
    body: {
      data: [
        { id: 7, name: 'Billing helper', online: true, last_seen_at: '2026-02-22T17:20:55Z' },
        { id: 8, name: 'Night shift', online: false, last_seen_at: null },
      ],
    },
  },
  listRealtimeSessions: {
    status: 200,
    body: { data: [sessionClaimed], next_cursor: null },
  },
  getRealtimeSession: { status: 200, body: { data: { ...sessionClaimed, socket: sessionTicket } } },
  listRealtimeSignals: { status: 200, body: { data: [signal], session: sessionClaimed } },
  createRealtimeSignal: { status: 201, body: { data: signal } },
  closeRealtimeSession: { status: 200, body: { data: sessionClosed } },
};

const envelope = (
  code: ErrorCode,
  message: string,
  details?: Record<string, unknown>,
): ErrorEnvelope => ({ error: { code, message, ...(details ? { details } : {}) } });

/** The 403 of a person's route (an agent's key on it). */
export const PERSON_FORBIDDEN_EXAMPLE = envelope(
  'auth.forbidden',
  'This operation needs a user API key.',
);

/** An example of each error status, as most routes answer it. */
export const ERROR_EXAMPLES: Record<number, ErrorEnvelope> = {
  401: envelope('auth.unauthenticated', 'Missing or invalid credentials.'),
  403: envelope('auth.forbidden', 'This operation needs an agent API key.'),
  404: envelope('resource.not_found', 'Realtime session not found.'),
  409: envelope('realtime_session.ended', 'This realtime session is closed and takes no signals.', {
    status: 'closed',
  }),
  413: envelope('request.too_large', 'The request body is larger than 64kb.'),
  415: envelope(
    'request.unsupported_encoding',
    'The request body must not be compressed: send it without Content-Encoding.',
  ),
  422: envelope('validation.failed', 'Validation failed.', {
    fields: { limit: ['Must be at most 100.'] },
  }),
  429: envelope('rate_limited', 'Too many requests.', { retry_after: 3 }),
  500: envelope('internal', 'Internal server error.'),
  503: envelope(
    'service.unavailable',
    'The service is temporarily unavailable. Try again shortly.',
  ),
};

/** Where an operation's error differs from {@link ERROR_EXAMPLES}. */
export const OPERATION_ERROR_EXAMPLES: Partial<Record<OperationId, Record<number, ErrorEnvelope>>> =
  {
    claimAgentRealtimeSession: {
      409: envelope(
        'realtime_session.not_claimable',
        'This realtime session is claimed and cannot be claimed.',
        { status: 'claimed', agent_id: 7, claimed_at: '2026-02-22T17:21:01Z' },
      ),
    },
    closeAgentRealtimeSession: {
      409: envelope(
        'realtime_session.not_claimed',
        'Claim this realtime session before acting on it.',
        {
          status: 'requested',
        },
      ),
    },
    createRealtimeSession: { 404: envelope('resource.not_found', 'Agent not found.') },
  };
