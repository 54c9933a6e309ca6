import { ERROR_STATUS, type ErrorCode, type ErrorEnvelope } from '@agentmc/contract';

/**
 * An error the API answers with. The error middleware turns it into the envelope; no route
 * builds an error body by hand.
 */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  /** Extra response headers, such as `Retry-After`. */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    code: ErrorCode,
    message: string,
    options: {
      details?: Record<string, unknown>;
      headers?: Record<string, string>;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details;
    this.headers = options.headers ?? {};
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }

  toEnvelope(): ErrorEnvelope {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details ? { details: this.details } : {}),
      },
    };
  }
}

export class UnauthenticatedError extends ApiError {
  constructor(message = 'Missing or invalid credentials.') {
    super('auth.unauthenticated', message);
  }
}

export class ForbiddenError extends ApiError {
  constructor(message = 'Forbidden.') {
    super('auth.forbidden', message);
  }
}

export class NotFoundError extends ApiError {
  constructor(message = 'Resource not found.') {
    super('resource.not_found', message);
  }
}

/** 422 with `details.fields`: field path → messages. */
export class ValidationError extends ApiError {
  constructor(fields: Record<string, string[]>, message = 'Validation failed.') {
    super('validation.failed', message, { details: { fields } });
  }
}

export class PayloadTooLargeError extends ApiError {
  constructor(limit: string) {
    super('request.too_large', `The request body is larger than ${limit}.`);
  }
}

export class RateLimitedError extends ApiError {
  constructor(retryAfterSeconds: number) {
    super('rate_limited', 'Too many requests.', {
      headers: { 'Retry-After': String(retryAfterSeconds) },
      details: { retry_after: retryAfterSeconds },
    });
  }
}

export class ServiceUnavailableError extends ApiError {
  constructor(retryAfterSeconds: number, options: { cause?: unknown } = {}) {
    super('service.unavailable', 'The service is temporarily unavailable. Try again shortly.', {
      headers: { 'Retry-After': String(retryAfterSeconds) },
      cause: options.cause,
    });
  }
}

export class InternalError extends ApiError {
  constructor(options: { cause?: unknown } = {}) {
    super('internal', 'Internal server error.', options);
  }
}
