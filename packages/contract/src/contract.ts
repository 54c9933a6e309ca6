import { initContract } from '@ts-rest/core';
import { z } from 'zod';
import { ErrorEnvelope } from './errors.js';
import { Id, boundedInt } from './primitives.js';
import {
  ClaimedSessionEnvelope,
  CloseRealtimeSessionBody,
  EmptyBody,
  ListRealtimeSessionsQuery,
  RealtimeSocketEnvelope,
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
}

/** The base path under which every route of {@link contract} is served. */
export const API_BASE_PATH = '/api/v1';

/** Failures any authenticated route can answer with. */
const commonErrors = {
  401: ErrorEnvelope,
  403: ErrorEnvelope,
  404: ErrorEnvelope,
  413: ErrorEnvelope,
  422: ErrorEnvelope,
  429: ErrorEnvelope,
  500: ErrorEnvelope,
  503: ErrorEnvelope,
} as const;

export const ListRequestedSessionsQuery = z.object({
  limit: boundedInt(1, 100, 20).describe('Maximum number of records to return.'),
});

export const SessionPathParams = z.object({
  session: Id.describe('Realtime session identifier.'),
});

/**
 * A claimer that may retry (a timeout, a lost response) sends the same `Idempotency-Key` each
 * time: once its claim has won, repeating it answers 200 with the session instead of 409.
 */
export const ClaimHeaders = z.object({
  'idempotency-key': z
    .string()
    .min(1, 'Must not be empty.')
    .max(200, 'Must be at most 200 characters.')
    .optional(),
});

/**
 * The AgentMC realtime sessions API. Route keys are the operationIds; paths are relative to
 * {@link API_BASE_PATH}.
 */
export const contract = c.router(
  {
    listAgentRealtimeRequestedSessions: {
      method: 'GET',
      path: '/agents/realtime/sessions/requested',
      query: ListRequestedSessionsQuery,
      responses: {
        200: SessionListEnvelope.describe('Requested realtime sessions returned.'),
        ...commonErrors,
      },
      summary: 'List requested realtime sessions for an agent.',
      metadata: { auth: 'agent' } satisfies RouteMetadata,
    },
    claimAgentRealtimeSession: {
      method: 'POST',
      path: '/agents/realtime/sessions/:session/claim',
      pathParams: SessionPathParams,
      headers: ClaimHeaders,
      body: ClaimRealtimeSessionBody,
      responses: {
        200: ClaimedSessionEnvelope.describe('Realtime session claimed.'),
        409: ErrorEnvelope.describe('Conflict.'),
        ...commonErrors,
      },
      summary: 'Claim one realtime session for websocket message handling.',
      metadata: { auth: 'agent' } satisfies RouteMetadata,
    },
    createRealtimeSession: {
      method: 'POST',
      path: '/realtime/sessions',
      body: CreateRealtimeSessionBody,
      responses: {
        201: SessionWithSocketEnvelope.describe('Realtime session requested.'),
        ...commonErrors,
      },
      summary: 'Request a realtime session with one of your team’s agents.',
      metadata: { auth: 'user' } satisfies RouteMetadata,
    },

    // ---- after the claim: the agent's side ----
    listAgentRealtimeSignals: {
      method: 'GET',
      path: '/agents/realtime/sessions/:session/signals',
      pathParams: SessionPathParams,
      query: ListRealtimeSignalsQuery,
      responses: {
        200: SignalListEnvelope.describe('Realtime signals returned.'),
        ...commonErrors,
      },
      summary: 'List the signals of one of your sessions, in seq order, after a signal id.',
      metadata: { auth: 'agent' } satisfies RouteMetadata,
    },
    createAgentRealtimeSignal: {
      method: 'POST',
      path: '/agents/realtime/sessions/:session/signals',
      pathParams: SessionPathParams,
      body: CreateRealtimeSignalBody,
      responses: {
        201: SignalEnvelope.describe('Realtime signal written.'),
        200: SignalEnvelope.describe('A signal with this idempotency key was already written.'),
        409: ErrorEnvelope.describe('The session is not claimed, or has ended.'),
        ...commonErrors,
      },
      summary: 'Send one signal to a session you claimed.',
      metadata: { auth: 'agent' } satisfies RouteMetadata,
    },
    closeAgentRealtimeSession: {
      method: 'POST',
      path: '/agents/realtime/sessions/:session/close',
      pathParams: SessionPathParams,
      body: CloseRealtimeSessionBody,
      responses: {
        200: SessionEnvelope.describe('Realtime session closed.'),
        409: ErrorEnvelope.describe('The session is not claimed.'),
        ...commonErrors,
      },
      summary: 'Close a session you claimed, as closed (default) or failed, with a reason.',
      metadata: { auth: 'agent' } satisfies RouteMetadata,
    },
    createAgentRealtimeSocket: {
      method: 'POST',
      path: '/agents/realtime/sessions/:session/socket',
      pathParams: SessionPathParams,
      body: EmptyBody,
      responses: {
        200: RealtimeSocketEnvelope.describe('Websocket ticket issued.'),
        409: ErrorEnvelope.describe('The session is not claimed, or has ended.'),
        ...commonErrors,
      },
      summary: 'Get a fresh websocket ticket for a session you claimed (to reconnect).',
      metadata: { auth: 'agent' } satisfies RouteMetadata,
    },
    createAgentRealtimeWatch: {
      method: 'POST',
      path: '/agents/realtime/watch',
      body: EmptyBody,
      responses: {
        200: RealtimeSocketEnvelope.describe('Watch websocket ticket issued.'),
        ...commonErrors,
      },
      summary: 'Get a ticket for the watch websocket that pushes each session requested for you.',
      metadata: { auth: 'agent' } satisfies RouteMetadata,
    },

    // ---- the person's side ----
    listRealtimeSessions: {
      method: 'GET',
      path: '/realtime/sessions',
      query: ListRealtimeSessionsQuery,
      responses: {
        200: SessionListEnvelope.describe('Your realtime sessions returned.'),
        ...commonErrors,
      },
      summary: 'List the realtime sessions you requested, newest first.',
      metadata: { auth: 'user' } satisfies RouteMetadata,
    },
    getRealtimeSession: {
      method: 'GET',
      path: '/realtime/sessions/:session',
      pathParams: SessionPathParams,
      responses: {
        200: SessionWithSocketEnvelope.describe('Realtime session returned.'),
        ...commonErrors,
      },
      summary: 'Read one of your realtime sessions, with a fresh websocket ticket.',
      metadata: { auth: 'user' } satisfies RouteMetadata,
    },
    listRealtimeSignals: {
      method: 'GET',
      path: '/realtime/sessions/:session/signals',
      pathParams: SessionPathParams,
      query: ListRealtimeSignalsQuery,
      responses: {
        200: SignalListEnvelope.describe('Realtime signals returned.'),
        ...commonErrors,
      },
      summary: 'List the signals of one of your sessions, in seq order, after a signal id.',
      metadata: { auth: 'user' } satisfies RouteMetadata,
    },
    createRealtimeSignal: {
      method: 'POST',
      path: '/realtime/sessions/:session/signals',
      pathParams: SessionPathParams,
      body: CreateRealtimeSignalBody,
      responses: {
        201: SignalEnvelope.describe('Realtime signal written.'),
        200: SignalEnvelope.describe('A signal with this idempotency key was already written.'),
        409: ErrorEnvelope.describe('The session has ended.'),
        ...commonErrors,
      },
      summary: 'Send one signal to one of your sessions.',
      metadata: { auth: 'user' } satisfies RouteMetadata,
    },
    closeRealtimeSession: {
      method: 'POST',
      path: '/realtime/sessions/:session/close',
      pathParams: SessionPathParams,
      body: CloseRealtimeSessionBody,
      responses: {
        200: SessionEnvelope.describe('Realtime session closed.'),
        ...commonErrors,
      },
      summary: 'Close one of your sessions, as closed (default) or failed, with a reason.',
      metadata: { auth: 'user' } satisfies RouteMetadata,
    },
  },
  { strictStatusCodes: true },
);

export type Contract = typeof contract;
export type OperationId = keyof Contract;
