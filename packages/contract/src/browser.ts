import { z } from 'zod';
import { Timestamp, boundedInt } from './primitives.js';
import { AgentRealtimeSession, SessionStatus } from './session.js';

// What a web page needs beyond the person's key-based routes: a short-lived browser token
// minted by the web app's backend, the team's agents with their presence, and a session list
// that pages past its first hundred.

/** A browser token lives this long when its request names no `ttl_seconds`. */
export const BROWSER_TOKEN_DEFAULT_TTL_SECONDS = 900;
export const BROWSER_TOKEN_MIN_TTL_SECONDS = 60;
export const BROWSER_TOKEN_MAX_TTL_SECONDS = 3_600;

/**
 * Every browser token starts with this, then the second it expires at (so that a client can
 * refresh it in time without asking the server), then its random part: `amt_1767225600_…`.
 */
export const BROWSER_TOKEN_PREFIX = 'amt_';

/** Body of a request for a browser token: how long it should live, or the default. */
export const CreateBrowserTokenBody = z
  .object({
    ttl_seconds: z
      .number({ invalid_type_error: 'Must be an integer.' })
      .int('Must be an integer.')
      .min(BROWSER_TOKEN_MIN_TTL_SECONDS, `Must be at least ${BROWSER_TOKEN_MIN_TTL_SECONDS}.`)
      .max(BROWSER_TOKEN_MAX_TTL_SECONDS, `Must be at most ${BROWSER_TOKEN_MAX_TTL_SECONDS}.`)
      .optional(),
  })
  .strict();
export type CreateBrowserTokenBody = z.infer<typeof CreateBrowserTokenBody>;

/**
 * A browser token: `Authorization: Bearer <token>` on the person's routes, for the user it was
 * minted for, until `expires_at`, or until the key it was minted with is revoked or the user
 * removed.
 */
export const BrowserToken = z.object({
  token: z.string().startsWith(BROWSER_TOKEN_PREFIX),
  expires_at: Timestamp,
});
export type BrowserToken = z.infer<typeof BrowserToken>;

/** `{"data": token}`: a freshly minted browser token. */
export const BrowserTokenEnvelope = z.object({ data: BrowserToken });
export type BrowserTokenEnvelope = z.infer<typeof BrowserTokenEnvelope>;

/**
 * The second a browser token expires at, read from the token itself; undefined for a string
 * that is not a browser token.
 *
 * @example
 * browserTokenExpiry('amt_1767225600_x…'); // 1767225600
 */
export function browserTokenExpiry(token: string): number | undefined {
  const match = /^amt_(\d{1,12})_/.exec(token);
  return match ? Number(match[1]) : undefined;
}

/**
 * One of the team's agents as a person sees it: `online` while the agent holds a watch socket
 * open on any replica; `last_seen_at` the last time it was seen with one (null: never).
 */
export const TeamAgent = z.object({
  id: z.number().int().min(1),
  name: z.string(),
  online: z.boolean(),
  last_seen_at: Timestamp.nullable(),
});
export type TeamAgent = z.infer<typeof TeamAgent>;

/** `{"data": [agent, ...]}`: the caller's team's agents that can be asked for a session. */
export const TeamAgentListEnvelope = z.object({ data: z.array(TeamAgent) });
export type TeamAgentListEnvelope = z.infer<typeof TeamAgentListEnvelope>;

/** Query of listRealtimeSessions: a status filter, a page size and where the page starts. */
export const ListRealtimeSessionsQuery = z.object({
  status: SessionStatus.optional().describe('Only sessions in this status.'),
  limit: boundedInt(1, 100, 20).describe('Maximum number of records to return.'),
  cursor: z
    .string()
    .min(1, 'Must not be empty.')
    .max(100, 'Must be at most 100 characters.')
    .optional()
    .describe('The `next_cursor` of the previous page.'),
});

/** A page of the person's sessions; `next_cursor` is null on the last page. */
export const SessionPageEnvelope = z.object({
  data: z.array(AgentRealtimeSession),
  next_cursor: z.string().nullable(),
});
export type SessionPageEnvelope = z.infer<typeof SessionPageEnvelope>;
