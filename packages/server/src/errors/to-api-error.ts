import { RequestValidationError } from '@ts-rest/express';
import { StoreUnavailableError } from '../store/errors.js';
import {
  ApiError,
  InternalError,
  PayloadTooLargeError,
  ServiceUnavailableError,
  ValidationError,
} from './api-error.js';
import { isFailure, type Failure } from './failures.js';
import { validationErrorOf } from './validation.js';

/** Seconds a client should wait before retrying while the database is away. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 2;

/**
 * Turns any failure into an {@link ApiError}: the one place where failures get their code,
 * message and details. HTTP answers the result as the error envelope; a websocket sends it as an
 * `error` frame. So the same failure has the same code on both transports.
 */
export function toApiError(error: unknown, options: { bodyLimit?: string } = {}): ApiError {
  if (error instanceof ApiError) return error;
  if (isFailure(error)) return fromFailure(error);
  if (error instanceof RequestValidationError) {
    return validationErrorOf({
      pathParams: error.pathParams,
      query: error.query,
      headers: error.headers,
      body: error.body,
    });
  }
  // Express decodes path parameters while matching a route, and throws on bad escapes (%FF).
  if (error instanceof URIError) {
    return new ValidationError(
      { path: ['Must be valid percent-encoded UTF-8.'] },
      'Malformed URL.',
    );
  }
  if (error instanceof StoreUnavailableError) {
    return new ServiceUnavailableError(UNAVAILABLE_RETRY_AFTER_SECONDS, { cause: error });
  }
  // Node's HTTP parser refused the request before any route saw it (the server's 'clientError').
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'HPE_HEADER_OVERFLOW') {
    return new ApiError('request.headers_too_large', 'The request headers are too large.');
  }
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return new ApiError('request.timeout', 'The request did not arrive in time.');
  }
  if (typeof code === 'string' && code.startsWith('HPE_')) {
    return new ApiError('request.malformed', 'The request is not valid HTTP/1.1.');
  }
  // body-parser's errors carry a `type`.
  const type = (error as { type?: unknown } | null)?.type;
  const body = (message: string, summary?: string) =>
    new ValidationError({ body: [message] }, summary);
  switch (type) {
    case 'entity.parse.failed':
      return body('Must be valid JSON.', 'Malformed JSON body.');
    case 'entity.too.large':
      return new PayloadTooLargeError(options.bodyLimit ?? 'the limit');
    case 'encoding.unsupported':
      return new ApiError(
        'request.unsupported_encoding',
        'The request body must not be compressed: send it without Content-Encoding.',
      );
    case 'charset.unsupported':
      return new ApiError('request.unsupported_encoding', 'The request body must be UTF-8 JSON.');
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return body('The request body could not be read.');
  }
  return new InternalError({ cause: error });
}

function fromFailure(failure: Failure): ApiError {
  return new ApiError(failure.code, failure.message, {
    ...(failure.details ? { details: failure.details } : {}),
    ...(failure.retryAfter !== undefined
      ? { headers: { 'Retry-After': String(failure.retryAfter) } }
      : {}),
  });
}
