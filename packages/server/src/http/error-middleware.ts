import { RequestValidationError } from '@ts-rest/express';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { StoreUnavailableError } from '../store/errors.js';
import {
  ApiError,
  InternalError,
  NotFoundError,
  PayloadTooLargeError,
  ServiceUnavailableError,
  ValidationError,
} from './errors.js';
import { validationErrorOf } from './validation.js';

/** Seconds a client should wait before retrying while the database is away. */
const UNAVAILABLE_RETRY_AFTER_SECONDS = 2;

/** Unknown routes under the API answer 404 in the envelope. */
export const notFound: RequestHandler = (_req, _res, next) => {
  next(new NotFoundError('No such route.'));
};

/** Maps anything thrown to an {@link ApiError}: the one place failures become responses. */
export function toApiError(error: unknown, bodyLimit: string): ApiError {
  if (error instanceof ApiError) return error;
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
  // body-parser's errors carry a `type`.
  const type = (error as { type?: unknown } | null)?.type;
  switch (type) {
    case 'entity.parse.failed':
      return new ValidationError({ body: ['Must be valid JSON.'] }, 'Malformed JSON body.');
    case 'entity.too.large':
      return new PayloadTooLargeError(bodyLimit);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ValidationError({ body: ['Must be UTF-8 encoded JSON.'] });
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return new ValidationError({ body: ['The request body could not be read.'] });
  }
  return new InternalError({ cause: error });
}

export function errorMiddleware(logger: Logger, bodyLimit: string): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const apiError = toApiError(error, bodyLimit);
    const log = (req as { log?: Logger }).log ?? logger;
    if (apiError.status >= 500) {
      log.error({ err: error, code: apiError.code }, 'request failed');
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.status(apiError.status);
    for (const [name, value] of Object.entries(apiError.headers)) res.setHeader(name, value);
    res.json(apiError.toEnvelope());
  };
}
