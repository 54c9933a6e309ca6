/**
 * Compile-time proof, checked by `tsc --noEmit` (the package's `typecheck`), never run: a server
 * handler can only answer what the contract says. Each `@ts-expect-error` marks a handler that
 * must not compile; if one ever compiles, the directive itself becomes the error.
 */
import { contract, type AgentRealtimeSession } from '@agentmc/contract';
import type { ServerInferResponseBody } from '@ts-rest/core';
import { initServer } from '@ts-rest/express';

const s = initServer();

// The two seed operations, so that routes added to the contract later leave this file alone.
const seeds = {
  listAgentRealtimeRequestedSessions: contract.listAgentRealtimeRequestedSessions,
  claimAgentRealtimeSession: contract.claimAgentRealtimeSession,
};

const session: AgentRealtimeSession = {
  id: 1,
  team_id: 1,
  agent_id: 1,
  requested_by_user_id: null,
  status: 'claimed',
  claimed_at: '2026-02-22T17:21:00Z',
  opened_at: null,
  closed_at: null,
  expires_at: '2026-02-22T17:31:00Z',
  last_browser_heartbeat_at: null,
  last_agent_heartbeat_at: null,
  meta: null,
  created_at: '2026-02-22T17:21:00Z',
  updated_at: '2026-02-22T17:21:00Z',
};
/** Whatever the claim's 200 body is, fields after the 14 included. */
declare const claimed: ServerInferResponseBody<typeof contract.claimAgentRealtimeSession, 200>;
const { claimed_at: _claimedAt, ...withoutClaimedAt } = session;
const notFound = { error: { code: 'resource.not_found' as const, message: 'Not found.' } };

// A correct implementation compiles: the baseline every case below departs from in one place.
s.router(seeds, {
  listAgentRealtimeRequestedSessions: async ({ query }) => {
    const limit: number = query.limit;
    return { status: 200, body: { data: [session].slice(0, limit) } };
  },
  claimAgentRealtimeSession: async ({ params }) => {
    const id: number = params.session;
    return id > 0 ? { status: 200, body: claimed } : { status: 404, body: notFound };
  },
});

// An unknown status: the contract lists every status, strictly.
s.router(seeds, {
  // @ts-expect-error 201 is not a status of listAgentRealtimeRequestedSessions
  listAgentRealtimeRequestedSessions: async () => ({ status: 201, body: { data: [session] } }),
  claimAgentRealtimeSession: async () => ({ status: 200, body: claimed }),
});
s.router(seeds, {
  listAgentRealtimeRequestedSessions: async () => ({ status: 200, body: { data: [session] } }),
  // @ts-expect-error 418 is not a status of claimAgentRealtimeSession
  claimAgentRealtimeSession: async () => ({ status: 418, body: notFound }),
});

// A body missing a field of the session.
s.router(seeds, {
  // @ts-expect-error claimed_at is missing from the listed session
  listAgentRealtimeRequestedSessions: async () => ({
    status: 200,
    body: { data: [withoutClaimedAt] },
  }),
  claimAgentRealtimeSession: async () => ({ status: 200, body: claimed }),
});
s.router(seeds, {
  listAgentRealtimeRequestedSessions: async () => ({ status: 200, body: { data: [session] } }),
  // @ts-expect-error claimed_at is missing from the claimed session
  claimAgentRealtimeSession: async () => ({
    status: 200,
    body: { data: { ...claimed.data, claimed_at: undefined } },
  }),
});

// A field of the wrong type.
s.router(seeds, {
  // @ts-expect-error id must be a number, not a string
  listAgentRealtimeRequestedSessions: async () => ({
    status: 200,
    body: { data: [{ ...session, id: '1' }] },
  }),
  claimAgentRealtimeSession: async () => ({ status: 200, body: claimed }),
});
s.router(seeds, {
  listAgentRealtimeRequestedSessions: async () => ({ status: 200, body: { data: [session] } }),
  // @ts-expect-error status must be one of the six session statuses
  claimAgentRealtimeSession: async () => ({
    status: 200,
    body: { data: { ...claimed.data, status: 'pending' } },
  }),
});

// An error body that is not the envelope.
s.router(seeds, {
  listAgentRealtimeRequestedSessions: async () => ({ status: 200, body: { data: [session] } }),
  // @ts-expect-error a 409 answers with the envelope, not a bare message
  claimAgentRealtimeSession: async () => ({ status: 409, body: { message: 'taken' } }),
});

// An error code that does not exist.
s.router(seeds, {
  listAgentRealtimeRequestedSessions: async () => ({ status: 200, body: { data: [session] } }),
  // @ts-expect-error 'already_taken' is not an error code
  claimAgentRealtimeSession: async () => ({
    status: 409,
    body: { error: { code: 'already_taken', message: 'Taken.' } },
  }),
});

// Reading the input wrongly: the query's limit and the path's session are numbers.
s.router(seeds, {
  listAgentRealtimeRequestedSessions: async ({ query }) => {
    // @ts-expect-error limit is a number, not a string
    const limit: string = query.limit;
    return { status: 200, body: { data: [session].slice(0, limit.length) } };
  },
  claimAgentRealtimeSession: async ({ params }) => {
    // @ts-expect-error there is no path parameter "id"; it is "session"
    const id: number = params.id;
    return { status: 200, body: { ...claimed, data: { ...claimed.data, id } } };
  },
});

// A route that is not implemented.
// @ts-expect-error claimAgentRealtimeSession is missing
s.router(seeds, {
  listAgentRealtimeRequestedSessions: async () => ({ status: 200, body: { data: [session] } }),
});
