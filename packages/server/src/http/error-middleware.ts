import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { NotFoundError } from '../errors/api-error.js';
import { toApiError } from '../errors/to-api-error.js';

/** Unknown routes under the API answer 404 in the envelope. */
export const notFound: RequestHandler = (_req, _res, next) => {
  next(new NotFoundError('No such route.'));
};

/**
 * Answers what a request threw or passed on: the cross-cutting failures (401, 403 of the auth
 * kind, 413, 422, 429, 500, 503). A route's own failures are typed responses, never thrown.
 */
export function errorMiddleware(logger: Logger, bodyLimit: string): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const apiError = toApiError(error, { bodyLimit });
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
