import { z } from 'zod';
import { BodyId, Meta, Timestamp } from './primitives.js';

export const SESSION_STATUSES = [
  'requested',
  'claimed',
  'active',
  'closed',
  'failed',
  'expired',
] as const;

/** A session's status, one of {@link SESSION_STATUSES}; the last three are final. */
export const SessionStatus = z.enum(SESSION_STATUSES);
export type SessionStatus = z.infer<typeof SessionStatus>;

/**
 * The realtime session record. Every response that carries a session carries these 14 fields,
 * in this order; a response may add fields after them, never rename or drop one.
 */
export const AgentRealtimeSession = z.object({
  id: z.number().int().min(1),
  team_id: z.number().int(),
  agent_id: z.number().int(),
  requested_by_user_id: z.number().int().nullable(),
  status: SessionStatus,
  claimed_at: Timestamp.nullable(),
  opened_at: Timestamp.nullable(),
  closed_at: Timestamp.nullable(),
  expires_at: Timestamp.nullable(),
  last_browser_heartbeat_at: Timestamp.nullable(),
  last_agent_heartbeat_at: Timestamp.nullable(),
  meta: Meta.nullable(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type AgentRealtimeSession = z.infer<typeof AgentRealtimeSession>;

/** `{"data": session}`: one session. */
export const SessionEnvelope = z.object({ data: AgentRealtimeSession });
export type SessionEnvelope = z.infer<typeof SessionEnvelope>;

/** `{"data": [session, ...]}`: a list of sessions. */
export const SessionListEnvelope = z.object({ data: z.array(AgentRealtimeSession) });
export type SessionListEnvelope = z.infer<typeof SessionListEnvelope>;

export const SESSION_TTL_MIN_SECONDS = 10;
export const SESSION_TTL_MAX_SECONDS = 86_400;

/** Body of the person's request for a session with one of their team's agents. */
export const CreateRealtimeSessionBody = z
  .object({
    agent_id: BodyId,
    meta: Meta.nullable().optional(),
    ttl_seconds: z
      .number({ invalid_type_error: 'Must be an integer.' })
      .int('Must be an integer.')
      .min(SESSION_TTL_MIN_SECONDS, `Must be at least ${SESSION_TTL_MIN_SECONDS}.`)
      .max(SESSION_TTL_MAX_SECONDS, `Must be at most ${SESSION_TTL_MAX_SECONDS}.`)
      .optional(),
  })
  .strict();
export type CreateRealtimeSessionBody = z.infer<typeof CreateRealtimeSessionBody>;

/** Body of a claim: `{}`; an absent body and any JSON object are accepted too. */
export const ClaimRealtimeSessionBody = z.object({}).passthrough();
export type ClaimRealtimeSessionBody = z.infer<typeof ClaimRealtimeSessionBody>;
