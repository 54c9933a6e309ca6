import { initContract } from '@ts-rest/core';
import { z } from 'zod';
import { ErrorEnvelope } from './errors.js';
import { Id, boundedInt, storableText } from './primitives.js';
import {
  BrowserTokenEnvelope,
  CreateBrowserTokenBody,
  ListRealtimeSessionsQuery,
  SessionPageEnvelope,
  TeamAgentListEnvelope,
} from './browser.js';
import {
  ClaimedSessionEnvelope,
  CloseRealtimeSessionBody,
  EmptyBody,
  RealtimeTicketEnvelope,
  SessionWithSocketEnvelope,
} from './realtime.js';
import {
  ClaimRealtimeSessionBody,
  CreateRealtimeSessionBody,
  SessionEnvelope,
  SessionListEnvelope,
} from './session.js';
import {
  CreateRealtimeSignalBody,
  ListRealtimeSignalsQuery,
  SignalEnvelope,
  SignalListEnvelope,
} from './signal.js';

const c = initContract();

/** Who may call a route: the server's auth middleware reads this from the contract. */
export type RouteAuth = 'agent' | 'user';
export interface RouteMetadata {
  readonly auth: RouteAuth;
  /**
   * Whether a browser token (not only a user API key) may call a person's route: true unless a
   * route says otherwise. Minting a token takes the key itself.
   */
  readonly browserToken?: boolean;
}

/** The base path under which every route of {@link contract} is served. */
export const API_BASE_PATH = '/api/v1';

/**
 * The failures every route can answer with, whatever it does, because middleware in front of
 * every route answers them: authentication (401), the kind of key or a disabled agent (403), the
 * body size (413), its encoding (415), input validation (422), the rate limit (429) and the server
 * itself (500, 503).
 * Each route lists these through its router's `commonResponses`, and only its own failures itself.
 */
export const CROSS_CUTTING_STATUSES = [401, 403, 413, 415, 422, 429, 500, 503] as const;
export type CrossCuttingStatus = (typeof CROSS_CUTTING_STATUSES)[number];

/** The responses for {@link CROSS_CUTTING_STATUSES}: all the error envelope. */
const commonResponses = {
  401: ErrorEnvelope.describe('Missing or unknown API key.'),
  403: ErrorEnvelope.describe(
    'The key may not do this: wrong kind of key, disabled agent, or someone else’s session.',
  ),
  413: ErrorEnvelope.describe('The request body is too large.'),
  415: ErrorEnvelope.describe(
    'The request body is compressed or encoded (`Content-Encoding`) in a way the API does not accept.',
  ),
  422: ErrorEnvelope.describe('Validation failed: see `details.fields`.'),
  429: ErrorEnvelope.describe('Too many requests: wait `Retry-After` seconds.'),
  500: ErrorEnvelope.describe('Internal server error.'),
  503: ErrorEnvelope.describe('Service unavailable: retry after `Retry-After` seconds.'),
} satisfies Record<CrossCuttingStatus, typeof ErrorEnvelope>;

/** The 404 of a route that names a session in its path. */
const SessionNotFound = ErrorEnvelope.describe('Realtime session not found.');

/** Query of listAgentRealtimeRequestedSessions: how many requested sessions to return. */
export const ListRequestedSessionsQuery = z.object({
  limit: boundedInt(1, 100, 20).describe('Maximum number of records to return.'),
});

/** Path parameters of every route under `/sessions/:session`: the session's id. */
export const SessionPathParams = z.object({
  session: Id.describe('Realtime session identifier.'),
});

/**
 * A claimer that may retry (a timeout, a lost response) sends the same `Idempotency-Key` each
 * time: once its claim has won, repeating it answers 200 with the session instead of 409.
 */
export const ClaimHeaders = z.object({
  'idempotency-key': storableText(
    z.string().min(1, 'Must not be empty.').max(200, 'Must be at most 200 characters.'),
  ).optional(),
});

// The two routers below set what their routes share once: `c.router` merges the router's
// `metadata` into each route's own, and puts `commonResponses` under each route's `responses`
// (a route's own entry for a status wins), in the routes' types as in their values.

/**
 * The agent's routes (an agent API key): the requested sessions, the claim, and everything after
 * it on the agent's side. Keyed by operationId; paths are relative to {@link API_BASE_PATH}.
 */
const agentRoutes = c.router(
  {
    listAgentRealtimeRequestedSessions: {
      method: 'GET',
      path: '/agents/realtime/sessions/requested',
      query: ListRequestedSessionsQuery,
      responses: {
        200: SessionListEnvelope.describe('Requested realtime sessions returned.'),
        // Not answered by this server; listed because the published API document lists it.
        404: ErrorEnvelope.describe('Resource not found.'),
      },
      summary: 'List requested realtime sessions for an agent.',
    },
    claimAgentRealtimeSession: {
      method: 'POST',
      path: '/agents/realtime/sessions/:session/claim',
      pathParams: SessionPathParams,
      headers: ClaimHeaders,
      body: ClaimRealtimeSessionBody,
      responses: {
        200: ClaimedSessionEnvelope.describe('Realtime session claimed.'),
        404: SessionNotFound,
        409: ErrorEnvelope.describe(
          'The session is no longer requested, or it expired; `details` has its status and holder.',
        ),
      },
      summary: 'Claim one realtime session for websocket message handling.',
    },
    listAgentRealtimeSignals: {
      method: 'GET',
      path: '/agents/realtime/sessions/:session/signals',
      pathParams: SessionPathParams,
      query: ListRealtimeSignalsQuery,
      responses: {
        200: SignalListEnvelope.describe('Realtime signals returned.'),
        404: SessionNotFound,
      },
      summary: 'List the signals of one of your sessions, in seq order, after a signal id.',
    },
    createAgentRealtimeSignal: {
      method: 'POST',
      path: '/agents/realtime/sessions/:session/signals',
      pathParams: SessionPathParams,
      body: CreateRealtimeSignalBody,
      responses: {
        201: SignalEnvelope.describe('Realtime signal written.'),
        200: SignalEnvelope.describe('A signal with this idempotency key was already written.'),
        404: SessionNotFound,
        409: ErrorEnvelope.describe('The session is not claimed, or has ended.'),
      },
      summary: 'Send one signal to a session you claimed.',
    },
    closeAgentRealtimeSession: {
      method: 'POST',
      path: '/agents/realtime/sessions/:session/close',
      pathParams: SessionPathParams,
      body: CloseRealtimeSessionBody,
      responses: {
        200: SessionEnvelope.describe('Realtime session closed.'),
        404: SessionNotFound,
        409: ErrorEnvelope.describe('The session is not claimed.'),
      },
      summary: 'Close a session you claimed, as closed (default) or failed, with a reason.',
    },
    createAgentRealtimeSocket: {
      method: 'POST',
      path: '/agents/realtime/sessions/:session/socket',
      pathParams: SessionPathParams,
      body: EmptyBody,
      responses: {
        200: RealtimeTicketEnvelope.describe('Websocket ticket issued.'),
        404: SessionNotFound,
        409: ErrorEnvelope.describe('The session is not claimed, or has ended.'),
      },
      summary: 'Get a fresh websocket ticket for a session you claimed (to reconnect).',
    },
    createAgentRealtimeWatch: {
      method: 'POST',
      path: '/agents/realtime/watch',
      body: EmptyBody,
      responses: {
        200: RealtimeTicketEnvelope.describe('Watch websocket ticket issued.'),
      },
      summary: 'Get a ticket for the watch websocket that pushes each session requested for you.',
    },
  },
  { metadata: { auth: 'agent' } satisfies RouteMetadata, commonResponses },
);

/**
 * The person's routes (a user API key): requesting a session, and everything after it on the
 * person's side. Keyed by operationId; paths are relative to {@link API_BASE_PATH}.
 */
const personRoutes = c.router(
  {
    createRealtimeBrowserToken: {
      method: 'POST',
      path: '/realtime/tokens',
      body: CreateBrowserTokenBody,
      responses: {
        201: BrowserTokenEnvelope.describe('Browser token minted.'),
      },
      metadata: { browserToken: false } satisfies Partial<RouteMetadata>,
      summary:
        'Mint a short-lived browser token for your user, for a web page (user API key only).',
    },
    listRealtimeAgents: {
      method: 'GET',
      path: '/realtime/agents',
      responses: {
        200: TeamAgentListEnvelope.describe('Your team’s agents, with their presence.'),
      },
      summary:
        'List the agents of your team you can ask for a session, and whether each is online.',
    },
    createRealtimeSession: {
      method: 'POST',
      path: '/realtime/sessions',
      body: CreateRealtimeSessionBody,
      responses: {
        201: SessionWithSocketEnvelope.describe('Realtime session requested.'),
        404: ErrorEnvelope.describe('Agent not found.'),
      },
      summary: 'Request a realtime session with one of your team’s agents.',
    },
    listRealtimeSessions: {
      method: 'GET',
      path: '/realtime/sessions',
      query: ListRealtimeSessionsQuery,
      responses: {
        200: SessionPageEnvelope.describe('A page of your realtime sessions.'),
      },
      summary: 'List the realtime sessions you requested, newest first, a page at a time.',
    },
    getRealtimeSession: {
      method: 'GET',
      path: '/realtime/sessions/:session',
      pathParams: SessionPathParams,
      responses: {
        200: SessionWithSocketEnvelope.describe('Realtime session returned.'),
        404: SessionNotFound,
      },
      summary: 'Read one of your realtime sessions, with a fresh websocket ticket.',
    },
    listRealtimeSignals: {
      method: 'GET',
      path: '/realtime/sessions/:session/signals',
      pathParams: SessionPathParams,
      query: ListRealtimeSignalsQuery,
      responses: {
        200: SignalListEnvelope.describe('Realtime signals returned.'),
        404: SessionNotFound,
      },
      summary: 'List the signals of one of your sessions, in seq order, after a signal id.',
    },
    createRealtimeSignal: {
      method: 'POST',
      path: '/realtime/sessions/:session/signals',
      pathParams: SessionPathParams,
      body: CreateRealtimeSignalBody,
      responses: {
        201: SignalEnvelope.describe('Realtime signal written.'),
        200: SignalEnvelope.describe('A signal with this idempotency key was already written.'),
        404: SessionNotFound,
        409: ErrorEnvelope.describe('The session has ended.'),
      },
      summary: 'Send one signal to one of your sessions.',
    },
    closeRealtimeSession: {
      method: 'POST',
      path: '/realtime/sessions/:session/close',
      pathParams: SessionPathParams,
      body: CloseRealtimeSessionBody,
      responses: {
        200: SessionEnvelope.describe('Realtime session closed.'),
        404: SessionNotFound,
      },
      summary: 'Close one of your sessions, as closed (default) or failed, with a reason.',
    },
  },
  { metadata: { auth: 'user' } satisfies RouteMetadata, commonResponses },
);

/**
 * The AgentMC realtime sessions API: the agent's and the person's routes in one flat router.
 * Route keys are the operationIds; paths are relative to {@link API_BASE_PATH}.
 */
export const contract = c.router({ ...agentRoutes, ...personRoutes }, { strictStatusCodes: true });

export type Contract = typeof contract;
export type OperationId = keyof Contract;
