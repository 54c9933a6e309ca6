import type { AgentRealtimeSession, ErrorEnvelope } from '@agentmc/contract';
import { AgentMCClientError } from '../errors.js';

type ApiErrorBody = ErrorEnvelope['error'];

/**
 * The API would not give a websocket ticket. `retryable` says whether asking again later can
 * help (429, 500, 503) or not (401, 403, 404, 409: the key, the principal or the session will
 * not change by waiting); a connection stops reconnecting on the first error that is not.
 *
 * @example
 * connection.on('close', ({ error }) => {
 *   if (error instanceof RealtimeTicketError) console.error(error.status, error.code);
 * });
 */
export class RealtimeTicketError extends AgentMCClientError {
  readonly operation: string;
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;
  readonly retryable: boolean;
  /** What `Retry-After` asked for, when it did. */
  readonly retryAfterMs: number | undefined;

  constructor(
    operation: string,
    status: number,
    error: ApiErrorBody,
    options: { retryAfterMs?: number | undefined } = {},
  ) {
    super(`${operation} answered ${status} ${error.code}: ${error.message}`);
    this.operation = operation;
    this.status = status;
    this.code = error.code;
    this.details = error.details;
    this.retryable = status === 429 || status >= 500;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** The server refused a signal sent on the socket (an `error` frame naming its idempotency key). */
export class RealtimeSignalError extends AgentMCClientError {
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;
  readonly idempotencyKey: string | undefined;

  constructor(error: ApiErrorBody, idempotencyKey?: string) {
    super(`the signal was refused: ${error.code}: ${error.message}`);
    this.code = error.code;
    this.details = error.details;
    this.idempotencyKey = idempotencyKey;
  }
}

/** The connection ended before something it was waiting for happened. */
export class RealtimeClosedError extends AgentMCClientError {
  readonly session: AgentRealtimeSession | undefined;

  constructor(message: string, options: { session?: AgentRealtimeSession; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.session = options.session;
  }
}

/** A frame from the server that is not JSON, or not one the contract describes. */
export class RealtimeProtocolError extends AgentMCClientError {
  /** The frame as received (cut to 1 000 characters). */
  readonly frame: string;

  constructor(problem: string, frame: string, options: { cause?: unknown } = {}) {
    super(`unexpected frame from the server: ${problem}`, options);
    this.frame = frame.slice(0, 1_000);
  }
}

/** An error the server sent on the socket, not tied to one signal of this client. */
export class RealtimeServerError extends AgentMCClientError {
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(error: ApiErrorBody) {
    super(`the server reported ${error.code}: ${error.message}`);
    this.code = error.code;
    this.details = error.details;
  }
}

/** Whether a reconnecting connection should give up on this error instead of trying again. */
export function isPermanent(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { retryable?: unknown }).retryable === false
  );
}
