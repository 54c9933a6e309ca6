import { SESSION_REASONS, contract } from '@agentmc/contract';
import { createExpressEndpoints, initServer } from '@ts-rest/express';
import { formatTimestamp, type Clock } from '../domain/clock.js';
import type { Realtime } from '../realtime/realtime.js';
import type { Store } from '../store/store.js';
import { agentOf, userOf } from './auth.js';
import { ApiError, ForbiddenError, NotFoundError, ValidationError } from './errors.js';
import { createRealtimeRoutes, websocketOrigin, withSocket } from './realtime-routes.js';
import { toSessionResource } from './serialize.js';

export interface RouteDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly sessionTtlSeconds: number;
  readonly realtime: Realtime;
}

const s = initServer();

/** The router implementation `createExpressEndpoints` takes for the contract. */
export type ContractRoutes = Parameters<typeof createExpressEndpoints<typeof contract>>[1];

/** The contract's operations. Failures are thrown as ApiErrors; the error middleware answers. */
export function createRoutes({
  store,
  clock,
  sessionTtlSeconds,
  realtime,
}: RouteDeps): ContractRoutes {
  return s.router(contract, {
    listAgentRealtimeRequestedSessions: async ({ query, res }) => {
      const agent = agentOf(res);
      const rows = await store.listRequestedSessions({
        agentId: agent.agentId,
        now: clock(),
        limit: query.limit,
      });
      return { status: 200, body: { data: rows.map(toSessionResource) } };
    },

    claimAgentRealtimeSession: async ({ params, headers, req, res }) => {
      const agent = agentOf(res);
      const outcome = await store.claimSession({
        sessionId: params.session,
        teamId: agent.teamId,
        agentId: agent.agentId,
        now: clock(),
        claimKey: headers['idempotency-key'] ?? null,
      });
      switch (outcome.kind) {
        case 'claimed': {
          const { session } = outcome;
          if (!outcome.replayed)
            await realtime.lifecycle.announce(session, SESSION_REASONS.claimed);
          const socket = realtime.socketFor(websocketOrigin(req), {
            kind: 'session',
            role: 'agent',
            principalId: agent.agentId,
            teamId: agent.teamId,
            sessionId: session.id,
          });
          return { status: 200, body: { data: { ...toSessionResource(session), socket } } };
        }
        case 'not_found':
          throw new NotFoundError('Realtime session not found.');
        case 'other_agent':
          throw new ForbiddenError('This realtime session is for another agent.');
        case 'expired':
        case 'not_claimable': {
          const { session } = outcome;
          const expired = outcome.kind === 'expired';
          if (outcome.kind === 'expired' && outcome.changed) {
            await realtime.lifecycle.announce(session, SESSION_REASONS.requestExpired);
          }
          throw new ApiError(
            expired ? 'realtime_session.expired' : 'realtime_session.not_claimable',
            expired
              ? 'This realtime session expired before it was claimed.'
              : `This realtime session is ${session.status} and cannot be claimed.`,
            {
              details: {
                status: session.status,
                agent_id: session.agent_id,
                claimed_at:
                  session.claimed_at === null ? null : formatTimestamp(session.claimed_at),
              },
            },
          );
        }
      }
    },

    createRealtimeSession: async ({ body, req, res }) => {
      const user = userOf(res);
      const now = clock();
      const agent = await store.findAgent(body.agent_id);
      if (!agent || agent.team_id !== user.teamId) throw new NotFoundError('Agent not found.');
      if (agent.disabled_at !== null) {
        throw new ValidationError({ agent_id: ['This agent is disabled.'] });
      }
      const session = await store.createSession({
        teamId: user.teamId,
        agentId: agent.id,
        requestedByUserId: user.userId,
        meta: body.meta ?? null,
        expiresAt: now + (body.ttl_seconds ?? sessionTtlSeconds),
        now,
      });
      // The agent left the team between the two statements: same answer as if never there.
      if (!session) throw new NotFoundError('Agent not found.');
      realtime.lifecycle.requested(session);
      return { status: 201, body: { data: withSocket(realtime, req, session, user) } };
    },

    ...createRealtimeRoutes({ store, realtime }),
  });
}
