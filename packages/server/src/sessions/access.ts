import { forbidden, notFound, type Forbidden, type NotFound } from '../errors/failures.js';
import type { SessionRow } from '../store/schema.js';
import type { Actor } from './actor.js';

/**
 * The one access rule for a session: another team's session does not exist for the actor (404,
 * never saying which); within the team, an agent acts only on sessions for it, a person only on
 * sessions they requested (403). Undefined: access granted.
 */
export function accessFailure(
  actor: Actor,
  session: SessionRow | undefined,
): NotFound | Forbidden | undefined {
  if (!session || session.team_id !== actor.teamId) return notFound();
  if (actor.kind === 'agent') {
    if (session.agent_id !== actor.agentId) {
      return forbidden('This realtime session is for another agent.');
    }
  } else if (session.requested_by_user_id !== actor.personId) {
    return forbidden('This realtime session belongs to someone else.');
  }
  return undefined;
}
