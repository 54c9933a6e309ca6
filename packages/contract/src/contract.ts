import { initContract } from '@ts-rest/core';
import { z } from 'zod';
import { ErrorEnvelope } from './errors.js';
import { Id, boundedInt } from './primitives.js';
import {
  ClaimRealtimeSessionBody,
  CreateRealtimeSessionBody,
  SessionEnvelope,
  SessionListEnvelope,
} from './session.js';

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
        200: SessionEnvelope.describe('Realtime session claimed.'),
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
        201: SessionEnvelope.describe('Realtime session requested.'),
        ...commonErrors,
      },
      summary: 'Request a realtime session with one of your team’s agents.',
      metadata: { auth: 'user' } satisfies RouteMetadata,
    },
  },
  { strictStatusCodes: true },
);

export type Contract = typeof contract;
export type OperationId = keyof Contract;
