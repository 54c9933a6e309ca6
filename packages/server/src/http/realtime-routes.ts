import type { Contract } from '@agentmc/contract';
import type { AppRouteImplementation } from '@ts-rest/express';
import type { Request } from 'express';
import type { Realtime } from '../realtime/realtime.js';
import type { SessionRow } from '../store/schema.js';
import type { Store } from '../store/store.js';
import { agentOf, userOf, type AgentPrincipal, type UserPrincipal } from './auth.js';
import { ApiError, ForbiddenError, NotFoundError } from './errors.js';
import { toSessionResource, toSignalResource } from './serialize.js';

export interface RealtimeRouteDeps {
  readonly store: Store;
  readonly realtime: Realtime;
}

type RealtimeOperationId =
  | 'listAgentRealtimeSignals'
  | 'createAgentRealtimeSignal'
  | 'closeAgentRealtimeSession'
  | 'createAgentRealtimeSocket'
  | 'createAgentRealtimeWatch'
  | 'listRealtimeSessions'
  | 'getRealtimeSession'
  | 'listRealtimeSignals'
  | 'createRealtimeSignal'
  | 'closeRealtimeSession';

export type RealtimeRoutes = {
  [K in RealtimeOperationId]: AppRouteImplementation<Contract[K]>;
};

/** The parts of a request that say where the client reached us. */
type RequestOrigin = Pick<Request, 'protocol' | 'headers'>;

/** Where the client reached us, as a websocket origin: `ws://host:port`. */
export function websocketOrigin(req: RequestOrigin): string {
  return `${req.protocol === 'https' ? 'wss' : 'ws'}://${req.headers.host ?? 'localhost'}`;
}

/** The operations after the claim, for both sides. Failures are thrown as ApiErrors. */
export function createRealtimeRoutes({ store, realtime }: RealtimeRouteDeps): RealtimeRoutes {
  const { lifecycle } = realtime;

  /** A session the calling agent may act on: 404 across teams, 403 for another agent's. */
  const agentSession = async (agent: AgentPrincipal, id: number): Promise<SessionRow> => {
    const row = await store.findSession(id);
    if (!row || row.team_id !== agent.teamId)
      throw new NotFoundError('Realtime session not found.');
    if (row.agent_id !== agent.agentId) {
      throw new ForbiddenError('This realtime session is for another agent.');
    }
    return row;
  };

  /** A session the calling person requested: 404 across teams, 403 for a teammate's. */
  const userSession = async (user: UserPrincipal, id: number): Promise<SessionRow> => {
    const row = await store.findSession(id);
    if (!row || row.team_id !== user.teamId) throw new NotFoundError('Realtime session not found.');
    if (row.requested_by_user_id !== user.userId) {
      throw new ForbiddenError('This realtime session belongs to someone else.');
    }
    return row;
  };

  const signalsPage = async (row: SessionRow, query: { after_id: number; limit: number }) => {
    const signals = await store.listSignals({
      sessionId: row.id,
      afterId: query.after_id,
      limit: query.limit,
    });
    return {
      status: 200 as const,
      body: { data: signals.map(toSignalResource), session: toSessionResource(row) },
    };
  };

  /** One side sends a signal: 201 when new, 200 when its idempotency key was seen before. */
  const send = async (
    row: SessionRow,
    sender: 'agent' | 'browser',
    body: { type: string; payload: unknown; idempotency_key?: string | undefined },
  ) => {
    const outcome = await lifecycle.send({
      sessionId: row.id,
      sender,
      type: body.type,
      payload: body.payload,
      idempotencyKey: body.idempotency_key ?? null,
    });
    switch (outcome.kind) {
      case 'created':
        return { status: 201 as const, body: { data: toSignalResource(outcome.signal) } };
      case 'replayed':
        return { status: 200 as const, body: { data: toSignalResource(outcome.signal) } };
      case 'not_open': {
        const status = outcome.session?.status;
        if (status === undefined) throw new NotFoundError('Realtime session not found.');
        if (status === 'requested') throw notClaimed(status);
        throw new ApiError(
          'realtime_session.ended',
          `This realtime session is ${status} and takes no signals.`,
          { details: { status } },
        );
      }
    }
  };

  return {
    listAgentRealtimeSignals: async ({ params, query, res }) =>
      signalsPage(await agentSession(agentOf(res), params.session), query),

    createAgentRealtimeSignal: async ({ params, body, res }) =>
      send(await agentSession(agentOf(res), params.session), 'agent', body),

    closeAgentRealtimeSession: async ({ params, body, res }) => {
      const agent = agentOf(res);
      const row = await agentSession(agent, params.session);
      const outcome = await lifecycle.close({
        sessionId: row.id,
        by: 'agent',
        agentId: agent.agentId,
        status: body.status,
        reason: body.reason,
      });
      if (outcome.kind === 'not_found') throw new NotFoundError('Realtime session not found.');
      if (outcome.kind === 'not_claimed') throw notClaimed(outcome.session.status);
      return { status: 200, body: { data: toSessionResource(outcome.session) } };
    },

    createAgentRealtimeSocket: async ({ params, req, res }) => {
      const agent = agentOf(res);
      const row = await agentSession(agent, params.session);
      if (row.status === 'requested' || row.claimed_at === null) throw notClaimed(row.status);
      if (row.status !== 'claimed' && row.status !== 'active') {
        throw new ApiError('realtime_session.ended', `This realtime session is ${row.status}.`, {
          details: { status: row.status },
        });
      }
      const socket = realtime.socketFor(websocketOrigin(req), {
        kind: 'session',
        role: 'agent',
        principalId: agent.agentId,
        teamId: agent.teamId,
        sessionId: row.id,
      });
      return { status: 200, body: { data: socket } };
    },

    createAgentRealtimeWatch: async ({ req, res }) => {
      const agent = agentOf(res);
      const socket = realtime.socketFor(websocketOrigin(req), {
        kind: 'watch',
        agentId: agent.agentId,
        teamId: agent.teamId,
      });
      return { status: 200, body: { data: socket } };
    },

    listRealtimeSessions: async ({ query, res }) => {
      const user = userOf(res);
      const rows = await store.listUserSessions({
        userId: user.userId,
        status: query.status,
        limit: query.limit,
      });
      return { status: 200, body: { data: rows.map(toSessionResource) } };
    },

    getRealtimeSession: async ({ params, req, res }) => {
      const user = userOf(res);
      const row = await userSession(user, params.session);
      return {
        status: 200,
        body: { data: withSocket(realtime, req, row, user) },
      };
    },

    listRealtimeSignals: async ({ params, query, res }) =>
      signalsPage(await userSession(userOf(res), params.session), query),

    createRealtimeSignal: async ({ params, body, res }) =>
      send(await userSession(userOf(res), params.session), 'browser', body),

    closeRealtimeSession: async ({ params, body, res }) => {
      const row = await userSession(userOf(res), params.session);
      const outcome = await lifecycle.close({
        sessionId: row.id,
        by: 'browser',
        status: body.status,
        reason: body.reason,
      });
      if (outcome.kind === 'not_found') throw new NotFoundError('Realtime session not found.');
      // A person may close a session in any status that has not ended: never `not_claimed`.
      return { status: 200, body: { data: toSessionResource(outcome.session) } };
    },
  };
}

/** The person's view of a session: the 14 fields, then a ticket for its socket. */
export function withSocket(
  realtime: Realtime,
  req: RequestOrigin,
  row: SessionRow,
  user: UserPrincipal,
) {
  return {
    ...toSessionResource(row),
    socket: realtime.socketFor(websocketOrigin(req), {
      kind: 'session',
      role: 'browser',
      principalId: user.userId,
      teamId: user.teamId,
      sessionId: row.id,
    }),
  };
}

function notClaimed(status: string): ApiError {
  return new ApiError(
    'realtime_session.not_claimed',
    'Claim this realtime session before acting on it.',
    { details: { status } },
  );
}
