import { z } from 'zod';
import { SessionStatus } from './session.js';

/** Every error code the API sends, with the HTTP status it travels with. */
export const ERROR_STATUS = {
  'auth.unauthenticated': 401,
  'auth.forbidden': 403,
  'resource.not_found': 404,
  'request.malformed': 400,
  'request.timeout': 408,
  'request.too_large': 413,
  'request.unsupported_encoding': 415,
  'request.headers_too_large': 431,
  'realtime_session.not_claimable': 409,
  'realtime_session.expired': 409,
  'realtime_session.not_claimed': 409,
  'realtime_session.ended': 409,
  'validation.failed': 422,
  rate_limited: 429,
  internal: 500,
  'service.unavailable': 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;
/** One of the error codes of {@link ERROR_STATUS}: `error.code` of the error envelope. */
export const ErrorCode = z.enum(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]);

/**
 * The error envelope: the body of every non-2xx response.
 *
 * @example
 * { "error": { "code": "validation.failed", "message": "Validation failed.",
 *              "details": { "fields": { "limit": ["Must be at most 100."] } } } }
 */
export const ErrorEnvelope = z.object({
  error: z.object({
    code: ErrorCode,
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});
export type ErrorEnvelope = z.infer<typeof ErrorEnvelope>;

/** `details` of a 422: field path → messages. */
export const ValidationDetails = z.object({
  fields: z.record(z.string(), z.array(z.string())),
});
export type ValidationDetails = z.infer<typeof ValidationDetails>;

/**
 * `details` of a 409 on claim: the session's current status and who holds it, so that an agent
 * can tell "I already have it" from "someone else got it".
 */
export const ConflictDetails = z.object({
  status: SessionStatus,
  agent_id: z.number().int(),
  claimed_at: z.string().nullable(),
});
export type ConflictDetails = z.infer<typeof ConflictDetails>;
