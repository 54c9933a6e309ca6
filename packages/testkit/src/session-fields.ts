/**
 * The 14 fields of a session, in the order SPEC.md and the seeds write them. Spelled out on
 * purpose, never derived from the contract's schema: the tests hold the contract to this list.
 */
export const SESSION_FIELDS = [
  'id',
  'team_id',
  'agent_id',
  'requested_by_user_id',
  'status',
  'claimed_at',
  'opened_at',
  'closed_at',
  'expires_at',
  'last_browser_heartbeat_at',
  'last_agent_heartbeat_at',
  'meta',
  'created_at',
  'updated_at',
] as const;

export type SessionField = (typeof SESSION_FIELDS)[number];

/** The 14 fields of a session, without what a response adds after them. */
export function sessionFields(session: Record<string, unknown>): Record<SessionField, unknown> {
  return Object.fromEntries(SESSION_FIELDS.map((field) => [field, session[field]])) as Record<
    SessionField,
    unknown
  >;
}
