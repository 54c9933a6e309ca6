import { contract, type AgentRealtimeSession, type ErrorEnvelope } from '@agentmc/contract';
import type { AppRoute } from '@ts-rest/core';
import { initServer, type createExpressEndpoints } from '@ts-rest/express';
import type { Failure } from '../errors/failures.js';
import { toApiError } from '../errors/to-api-error.js';
import type { Actor } from '../sessions/actor.js';
import type { Sessions } from '../sessions/sessions.js';
import { agentOf, credentialOf, personOf } from './auth.js';
import { jsonText } from './json-text.js';
import { socketOrigin } from './socket-origin.js';

const s = initServer();

/**
 * The routes whose statements check the caller's key again themselves (the agent's list and
 * claim, the two hot ones): authentication may take their key from memory.
 */
export const RECHECKING_ROUTES: ReadonlySet<AppRoute> = new Set<AppRoute>([
  contract.listAgentRealtimeRequestedSessions,
  contract.claimAgentRealtimeSession,
]);

/** The router implementation `createExpressEndpoints` takes for the contract. */
export type ContractRoutes = Parameters<typeof createExpressEndpoints<typeof contract>>[1];

/**
 * A route's own failure as the response its status names. The status is a literal type taken
 * from the sessions layer's result union, so a route can only answer statuses its contract
 * entry lists: removing one from the contract fails this package's typecheck.
 */
export function failed<F extends Failure>(
  failure: F,
): { status: F['status']; body: ErrorEnvelope } {
  return { status: failure.status, body: toApiError(failure).toEnvelope() };
}

/**
 * The contract's operations, each a translation between HTTP and the sessions layer: who calls
 * (from the auth middleware), what they asked, and the typed response for each result.
 */
export function createRoutes(
  sessions: Sessions,
  options: {
    readonly allowedHosts: readonly string[];
    /**
     * Answer the agent's list with text written from the rows ({@link jsonText}); off while
     * responses are validated, which needs the body as objects.
     */
    readonly serializeLists?: boolean;
  },
): ContractRoutes {
  const websocketOrigin = socketOrigin(options.allowedHosts);
  // The signal routes are the same for both sides; only who calls differs.
  const signalsPage = async (
    actor: Actor,
    sessionId: number,
    query: { after_id: number; limit: number },
  ) => {
    const page = await sessions.signals(actor, sessionId, {
      afterId: query.after_id,
      limit: query.limit,
    });
    return page.ok ? { status: 200 as const, body: page.value } : failed(page);
  };
  const sendSignal = async (
    actor: Actor,
    sessionId: number,
    body: { type: string; payload: unknown; idempotency_key?: string | undefined },
  ) => {
    const sent = await sessions.send(actor, sessionId, {
      type: body.type,
      payload: body.payload,
      idempotencyKey: body.idempotency_key ?? null,
    });
    // Over the sender's budget: a cross-cutting 429, with its Retry-After, from the middleware.
    if (!sent.ok && sent.code === 'rate_limited') throw toApiError(sent);
    if (!sent.ok) return failed(sent);
    const status = sent.value.created ? (201 as const) : (200 as const);
    return { status, body: { data: sent.value.signal } };
  };

  return s.router(contract, {
    // ---- the agent's side ----
    listAgentRealtimeRequestedSessions: async ({ query, res }) => {
      const page = await sessions.listRequested(agentOf(res), query.limit, credentialOf(res));
      if (!page.ok) return failed(page);
      return {
        status: 200,
        body: options.serializeLists
          ? jsonText<{ data: AgentRealtimeSession[] }>(page.value.dataJson())
          : { data: page.value.resources() },
      };
    },

    claimAgentRealtimeSession: async ({ params, headers, req, res }) => {
      const agent = agentOf(res);
      const claimed = await sessions.claim(
        agent,
        params.session,
        headers['idempotency-key'] ?? null,
        credentialOf(res),
      );
      if (!claimed.ok) return failed(claimed);
      const socket = sessions.ticket(
        websocketOrigin(req),
        agent,
        credentialOf(res),
        claimed.value.id,
      );
      return { status: 200, body: { data: { ...claimed.value, socket } } };
    },

    listAgentRealtimeSignals: ({ params, query, res }) =>
      signalsPage(agentOf(res), params.session, query),

    createAgentRealtimeSignal: ({ params, body, res }) =>
      sendSignal(agentOf(res), params.session, body),

    closeAgentRealtimeSession: async ({ params, body, res }) => {
      const closed = await sessions.close(agentOf(res), params.session, body);
      return closed.ok ? { status: 200, body: { data: closed.value } } : failed(closed);
    },

    createAgentRealtimeSocket: async ({ params, req, res }) => {
      const ticket = await sessions.agentTicket(
        agentOf(res),
        credentialOf(res),
        params.session,
        websocketOrigin(req),
      );
      return ticket.ok ? { status: 200, body: { data: ticket.value } } : failed(ticket);
    },

    createAgentRealtimeWatch: ({ req, res }) =>
      Promise.resolve({
        status: 200 as const,
        body: {
          data: sessions.ticket(websocketOrigin(req), agentOf(res), credentialOf(res), 'watch'),
        },
      }),

    // ---- the person's side ----
    createRealtimeBrowserToken: async ({ body, res }) => {
      personOf(res);
      const minted = await sessions.people.mintToken(credentialOf(res), body.ttl_seconds);
      return minted.ok ? { status: 201, body: { data: minted.value } } : failed(minted);
    },

    listRealtimeAgents: async ({ res }) => ({
      status: 200,
      body: { data: await sessions.people.agents(personOf(res)) },
    }),

    createRealtimeSession: async ({ body, req, res }) => {
      const person = personOf(res);
      const requested = await sessions.request(person, {
        agentId: body.agent_id,
        meta: body.meta ?? null,
        ttlSeconds: body.ttl_seconds,
      });
      if (!requested.ok) return failed(requested);
      const socket = sessions.ticket(
        websocketOrigin(req),
        person,
        credentialOf(res),
        requested.value.id,
      );
      return { status: 201, body: { data: { ...requested.value, socket } } };
    },

    listRealtimeSessions: async ({ query, res }) => {
      const page = await sessions.listForPerson(personOf(res), query);
      return page.ok ? { status: 200, body: page.value } : failed(page);
    },

    getRealtimeSession: async ({ params, req, res }) => {
      const person = personOf(res);
      const found = await sessions.get(person, params.session);
      if (!found.ok) return failed(found);
      const socket = sessions.ticket(
        websocketOrigin(req),
        person,
        credentialOf(res),
        found.value.id,
      );
      return { status: 200, body: { data: { ...found.value, socket } } };
    },

    listRealtimeSignals: ({ params, query, res }) =>
      signalsPage(personOf(res), params.session, query),

    createRealtimeSignal: ({ params, body, res }) =>
      sendSignal(personOf(res), params.session, body),

    closeRealtimeSession: async ({ params, body, res }) => {
      const closed = await sessions.close(personOf(res), params.session, body);
      return closed.ok ? { status: 200, body: { data: closed.value } } : failed(closed);
    },
  });
}
