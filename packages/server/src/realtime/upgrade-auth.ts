import { ApiError, ForbiddenError, NotFoundError, UnauthenticatedError } from '../http/errors.js';
import type { Store } from '../store/store.js';
import type { TicketSigner } from './tickets.js';

/** Who may open what, once the ticket and the store agree. */
export type Admission =
  | {
      readonly kind: 'session';
      readonly sessionId: number;
      readonly role: 'agent' | 'browser';
      readonly principalId: number;
    }
  | { readonly kind: 'watch'; readonly agentId: number };

export interface UpgradeRequest {
  /** The socket the path names; undefined when the path is not one of ours. */
  readonly target: { kind: 'session'; sessionId: number } | { kind: 'watch' } | undefined;
  readonly ticket: string | null;
  readonly store: Store;
  readonly tickets: TicketSigner;
  readonly now: number;
}

/**
 * Decides whether a websocket may open, with the same answers as the HTTP API: 401 for a
 * missing, forged or expired ticket; 403 for a ticket that is for another session or socket, or
 * for a principal that may no longer act; 404 for what the principal cannot see; 409 for an
 * agent whose session is not claimed.
 */
export async function authorizeUpgrade(request: UpgradeRequest): Promise<Admission> {
  const { target, ticket, store, tickets, now } = request;
  if (!target) throw new NotFoundError('No such route.');
  if (!ticket) throw new UnauthenticatedError('A websocket ticket is required (?ticket=).');
  const claims = tickets.verify(ticket, now);
  if (claims === 'expired') throw new UnauthenticatedError('This websocket ticket has expired.');
  if (typeof claims === 'string') throw new UnauthenticatedError('Invalid websocket ticket.');

  if (target.kind === 'watch') {
    if (claims.kind !== 'watch') throw new ForbiddenError('This ticket is not for a watch socket.');
    const agent = await store.findAgent(claims.agentId);
    if (!agent || agent.team_id !== claims.teamId) throw new UnauthenticatedError();
    if (agent.disabled_at !== null) throw new ForbiddenError('This agent is disabled.');
    return { kind: 'watch', agentId: agent.id };
  }

  if (claims.kind !== 'session' || claims.sessionId !== target.sessionId) {
    throw new ForbiddenError('This ticket is for another socket.');
  }
  const session = await store.findSession(target.sessionId);
  if (!session || session.team_id !== claims.teamId) {
    throw new NotFoundError('Realtime session not found.');
  }
  if (claims.role === 'agent') {
    if (session.agent_id !== claims.principalId) {
      throw new ForbiddenError('This realtime session is for another agent.');
    }
    const agent = await store.findAgent(claims.principalId);
    if (!agent || agent.disabled_at !== null) throw new ForbiddenError('This agent is disabled.');
    if (session.status === 'requested' || session.claimed_at === null) {
      throw new ApiError(
        'realtime_session.not_claimed',
        'Claim this realtime session before connecting to it.',
        { details: { status: session.status } },
      );
    }
  } else if (session.requested_by_user_id !== claims.principalId) {
    throw new ForbiddenError('This realtime session belongs to someone else.');
  }
  return {
    kind: 'session',
    sessionId: session.id,
    role: claims.role,
    principalId: claims.principalId,
  };
}
