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
 * every route answers them: authentication (401), the kind of key or a disabled agent (403),
 * input validation of the path, query or body (422), the rate limit (429) and the server itself
 * (500, 503). Each route gets these through its router's `commonResponses`.
 */
export const EVERY_ROUTE_STATUSES = [401, 403, 422, 429, 500, 503] as const;
/**
 * The failures only a route that reads a request body can answer with: the body's size (413) and its encoding (415).
 * Each such route (every POST) lists these with {@link withBody}.
 */
export const BODY_ROUTE_STATUSES = [413, 415] as const;
/** Every cross-cutting status: {@link EVERY_ROUTE_STATUSES} and {@link BODY_ROUTE_STATUSES}. */
export const CROSS_CUTTING_STATUSES = [...EVERY_ROUTE_STATUSES, ...BODY_ROUTE_STATUSES] as const;
export type CrossCuttingStatus = (typeof CROSS_CUTTING_STATUSES)[number];
export type EveryRouteStatus = (typeof EVERY_ROUTE_STATUSES)[number];
export type BodyRouteStatus = (typeof BODY_ROUTE_STATUSES)[number];

/** The responses for {@link EVERY_ROUTE_STATUSES}: all the error envelope. */
const commonResponses = {
  401: ErrorEnvelope.describe('Missing, unknown or revoked API key.'),
  403: ErrorEnvelope.describe(
    'The key may not do this: wrong kind of key, disabled agent, or someone else’s session.',
  ),
  422: ErrorEnvelope.describe('Validation failed: see `details.fields`.'),
  429: ErrorEnvelope.describe('Too many requests: wait `Retry-After` seconds.'),
  500: ErrorEnvelope.describe('Internal server error (never a stack trace).'),
  503: ErrorEnvelope.describe('The database is unavailable: retry after `Retry-After` seconds.'),
} satisfies Record<EveryRouteStatus, typeof ErrorEnvelope>;

/** The responses for {@link BODY_ROUTE_STATUSES}. */
const bodyResponses = {
  413: ErrorEnvelope.describe('The request body is larger than the server accepts.'),
  415: ErrorEnvelope.describe(
    'The request body is compressed or encoded (`Content-Encoding`) in a way the API does not accept.',
  ),
} satisfies Record<BodyRouteStatus, typeof ErrorEnvelope>;

/** A route's own responses, with the failures of reading its body. */
function withBody<R extends object>(responses: R): R & typeof bodyResponses {
  return { ...bodyResponses, ...responses };
}

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
      description:
        "The calling agent's sessions in status `requested` that have not reached `expires_at`, newest first (by `created_at`, then `id`), at most `limit`. An agent holding a watch socket hears of each new one at once and polls this only to reconcile.",
    },
    claimAgentRealtimeSession: {
      method: 'POST',
      path: '/agents/realtime/sessions/:session/claim',
      pathParams: SessionPathParams,
      headers: ClaimHeaders,
      body: ClaimRealtimeSessionBody,
      responses: withBody({
        200: ClaimedSessionEnvelope.describe('Realtime session claimed.'),
        404: SessionNotFound,
        409: ErrorEnvelope.describe(
          'The session is no longer requested, or it expired; `details` has its status and holder.',
        ),
      }),
      summary: 'Claim one realtime session for websocket message handling.',
      description:
        "Atomic: of any number of concurrent claims of one requested session, exactly one answers 200; the others get 409 with the session's status and holder in `details`. A claimer that may retry sends the same `Idempotency-Key` each time, and a repeat of a claim it won answers 200 again. The answer carries `socket`, the ticket for the session's websocket.",
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
      description:
        "The HTTP twin of the session socket's catch-up: the signals after `after_id`, in `seq` order (gap-free per session), with the session as it is now.",
    },
    createAgentRealtimeSignal: {
      method: 'POST',
      path: '/agents/realtime/sessions/:session/signals',
      pathParams: SessionPathParams,
      body: CreateRealtimeSignalBody,
      responses: withBody({
        201: SignalEnvelope.describe('Realtime signal written.'),
        200: SignalEnvelope.describe('A signal with this idempotency key was already written.'),
        404: SessionNotFound,
        409: ErrorEnvelope.describe('The session is not claimed, or has ended.'),
      }),
      summary: 'Send one signal to a session you claimed.',
      description:
        'The HTTP twin of a `signal` frame. 201 for a new signal; 200 with the first one when its `idempotency_key` was seen before. Only a session the agent claimed, while it is `claimed` or `active`.',
    },
    closeAgentRealtimeSession: {
      method: 'POST',
      path: '/agents/realtime/sessions/:session/close',
      pathParams: SessionPathParams,
      body: CloseRealtimeSessionBody,
      responses: withBody({
        200: SessionEnvelope.describe('Realtime session closed.'),
        404: SessionNotFound,
        409: ErrorEnvelope.describe('The session is not claimed.'),
      }),
      summary: 'Close a session you claimed, as closed (default) or failed, with a reason.',
      description:
        'Ends a session the agent claimed, as `closed` (the default) or `failed`, with a reason.',
    },
    createAgentRealtimeSocket: {
      method: 'POST',
      path: '/agents/realtime/sessions/:session/socket',
      pathParams: SessionPathParams,
      body: EmptyBody,
      responses: withBody({
        200: RealtimeTicketEnvelope.describe('Websocket ticket issued.'),
        404: SessionNotFound,
        409: ErrorEnvelope.describe('The session is not claimed, or has ended.'),
      }),
      summary: 'Get a fresh websocket ticket for a session you claimed (to reconnect).',
      description:
        'A fresh `socket` ticket for a session the agent claimed, to reconnect after a drop and `resume` after the last signal seen.',
    },
    createAgentRealtimeWatch: {
      method: 'POST',
      path: '/agents/realtime/watch',
      body: EmptyBody,
      responses: withBody({
        200: RealtimeTicketEnvelope.describe('Watch websocket ticket issued.'),
      }),
      summary: 'Get a ticket for the watch websocket that pushes each session requested for you.',
      description:
        "A ticket for the agent's watch websocket, which pushes `session.requested` the moment a session is requested for the agent.",
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
      responses: withBody({
        201: BrowserTokenEnvelope.describe('Browser token minted.'),
      }),
      metadata: { browserToken: false } satisfies Partial<RouteMetadata>,
      summary:
        'Mint a short-lived browser token for your user, for a web page (user API key only).',
      description:
        "A web app's backend mints a token with its user key and hands it to its page; the page sends it as `Authorization: Bearer <token>` on the person's routes until `expires_at` (default 15 min, `ttl_seconds` up to 1 h), or until the key is revoked or the person removed. A token cannot mint another.",
    },
    listRealtimeAgents: {
      method: 'GET',
      path: '/realtime/agents',
      responses: {
        200: TeamAgentListEnvelope.describe('Your team’s agents, with their presence.'),
      },
      summary:
        'List the agents of your team you can ask for a session, and whether each is online.',
      description:
        "The caller's team's enabled agents; `online` is true while the agent holds a watch socket open on any replica, `last_seen_at` when it was last seen with one.",
    },
    createRealtimeSession: {
      method: 'POST',
      path: '/realtime/sessions',
      body: CreateRealtimeSessionBody,
      responses: withBody({
        201: SessionWithSocketEnvelope.describe('Realtime session requested.'),
        404: ErrorEnvelope.describe('Agent not found.'),
      }),
      summary: 'Request a realtime session with one of your team’s agents.',
      description:
        "A person asks to talk to one of their team's agents: the session starts `requested` and expires after `ttl_seconds` (default: the server's setting) unless claimed. The answer carries `socket`, the person's websocket ticket.",
    },
    listRealtimeSessions: {
      method: 'GET',
      path: '/realtime/sessions',
      query: ListRealtimeSessionsQuery,
      responses: {
        200: SessionPageEnvelope.describe('A page of your realtime sessions.'),
      },
      summary: 'List the realtime sessions you requested, newest first, a page at a time.',
      description:
        'The sessions the calling person requested, newest first, optionally of one status; past 100, follow `next_cursor`.',
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
      description: 'One session the calling person requested, with a fresh `socket` ticket.',
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
      description: "The HTTP twin of the session socket's catch-up, on the person's side.",
    },
    createRealtimeSignal: {
      method: 'POST',
      path: '/realtime/sessions/:session/signals',
      pathParams: SessionPathParams,
      body: CreateRealtimeSignalBody,
      responses: withBody({
        201: SignalEnvelope.describe('Realtime signal written.'),
        200: SignalEnvelope.describe('A signal with this idempotency key was already written.'),
        404: SessionNotFound,
        409: ErrorEnvelope.describe('The session has ended.'),
      }),
      summary: 'Send one signal to one of your sessions.',
      description:
        "The HTTP twin of a `signal` frame, on the person's side. 201 for a new signal; 200 with the first one when its `idempotency_key` was seen before.",
    },
    closeRealtimeSession: {
      method: 'POST',
      path: '/realtime/sessions/:session/close',
      pathParams: SessionPathParams,
      body: CloseRealtimeSessionBody,
      responses: withBody({
        200: SessionEnvelope.describe('Realtime session closed.'),
        404: SessionNotFound,
      }),
      summary: 'Close one of your sessions, as closed (default) or failed, with a reason.',
      description:
        "Ends one of the person's sessions, as `closed` (the default) or `failed`, with a reason.",
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
