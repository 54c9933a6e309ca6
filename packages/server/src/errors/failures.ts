import { ERROR_STATUS, type ErrorCode } from '@agentmc/contract';
import { formatTimestamp } from '../lib/clock.js';
import type { SessionRow } from '../store/schema.js';

/**
 * A failure the sessions layer returns instead of throwing: a code of the error vocabulary, the
 * status it has on HTTP (a literal type, so that a route can only return statuses its contract
 * lists), a message and details. HTTP answers it as the envelope, a websocket as an `error`
 * frame: see `toApiError`.
 */
export interface Failure<C extends ErrorCode = ErrorCode> {
  readonly ok: false;
  readonly code: C;
  readonly status: (typeof ERROR_STATUS)[C];
  readonly message: string;
  readonly details?: Record<string, unknown>;
  /** Seconds after which a retry may succeed (`Retry-After`). */
  readonly retryAfter?: number;
}

/** What a sessions operation returns: its value, or one of the failures it names. */
export type Result<T, F extends Failure = Failure> = { readonly ok: true; readonly value: T } | F;

export const ok = <T>(value: T): { readonly ok: true; readonly value: T } => ({ ok: true, value });

export function fail<C extends ErrorCode>(
  code: C,
  message: string,
  extra: { details?: Record<string, unknown>; retryAfter?: number } = {},
): Failure<C> {
  return { ok: false, code, status: ERROR_STATUS[code], message, ...extra };
}

export type NotFound = Failure<'resource.not_found'>;
export type Forbidden = Failure<'auth.forbidden'>;
export type Unauthenticated = Failure<'auth.unauthenticated'>;
export type Invalid = Failure<'validation.failed'>;
export type NotClaimable = Failure<'realtime_session.not_claimable'>;
export type Expired = Failure<'realtime_session.expired'>;
export type NotClaimed = Failure<'realtime_session.not_claimed'>;
export type Ended = Failure<'realtime_session.ended'>;
export type RateLimited = Failure<'rate_limited'>;

export const notFound = (message = 'Realtime session not found.'): NotFound =>
  fail('resource.not_found', message);

export const forbidden = (message: string): Forbidden => fail('auth.forbidden', message);

export const unauthenticated = (message = 'Missing or invalid credentials.'): Unauthenticated =>
  fail('auth.unauthenticated', message);

/** 422 with `details.fields`: field path → messages. */
export const invalid = (
  fields: Record<string, string[]>,
  message = 'Validation failed.',
): Invalid => fail('validation.failed', message, { details: { fields } });

/** Who holds a session that could not be claimed, so that a losing agent can tell. */
function holder(session: SessionRow) {
  return {
    status: session.status,
    agent_id: session.agent_id,
    claimed_at: session.claimed_at === null ? null : formatTimestamp(session.claimed_at),
  };
}

export const notClaimable = (session: SessionRow): NotClaimable =>
  fail(
    'realtime_session.not_claimable',
    `This realtime session is ${session.status} and cannot be claimed.`,
    { details: holder(session) },
  );

export const expired = (session: SessionRow): Expired =>
  fail('realtime_session.expired', 'This realtime session expired before it was claimed.', {
    details: holder(session),
  });

export const notClaimed = (
  status: string,
  message = 'Claim this realtime session before acting on it.',
): NotClaimed => fail('realtime_session.not_claimed', message, { details: { status } });

export const ended = (status: string, message: string): Ended =>
  fail('realtime_session.ended', message, { details: { status } });

export const rateLimited = (retryAfter: number, message = 'Too many requests.'): RateLimited =>
  fail('rate_limited', message, { details: { retry_after: retryAfter }, retryAfter });

export const unavailable = (
  retryAfter: number,
  message = 'The service is temporarily unavailable. Try again shortly.',
) => fail('service.unavailable', message, { retryAfter });

/** Whether a value is a {@link Failure}. */
export function isFailure(value: unknown): value is Failure {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { ok?: unknown }).ok === false &&
    typeof (value as { code?: unknown }).code === 'string'
  );
}
