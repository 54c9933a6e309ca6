import { randomUUID } from 'node:crypto';
import { API_BASE_PATH } from '@agentmc/contract';
import type { AppRoute } from '@ts-rest/core';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics/metrics.js';
import type { Principal } from '../store/store.js';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** Probes a load balancer sends every few seconds: logged at debug while they answer 2xx. */
const PROBES = new Set(['/healthz', '/readyz']);

/** What a request's log line and metrics say about where it went: set once it is known. */
interface RouteNote {
  /** The route as written (`/api/v1/agents/realtime/sessions/:session/claim`), never the URL. */
  route?: string;
  sessionId?: number;
}

/**
 * Names the route a request matched, for its log line and its metrics: the contract's path
 * (with `:session`, so that metrics do not grow a series per session) and the session it names.
 * Runs first among the contract's middleware, so even a 401 is counted under its route.
 */
export function noteContractRoute(): RequestHandler {
  return (req, res, next) => {
    const route = (req as Request & { tsRestRoute?: AppRoute }).tsRestRoute;
    const note = res.locals as RouteNote;
    if (route) note.route = `${API_BASE_PATH}${route.path}`;
    const session = Number(req.params.session);
    if (Number.isSafeInteger(session) && session > 0) note.sessionId = session;
    next();
  };
}

/** Names a route that is not the contract's (probes, documents, docs) for the same purpose. */
export function noteRoute(route: string): RequestHandler {
  return (_req, res, next) => {
    (res.locals as RouteNote).route = route;
    next();
  };
}

/** Who called, as the log line names them: the key's prefix and its agent or user. */
function principalOf(res: Response) {
  const principal = res.locals.principal as Principal | undefined;
  if (!principal) return undefined;
  return principal.agentId !== null
    ? { key: principal.keyPrefix, agent_id: principal.agentId }
    : { key: principal.keyPrefix, user_id: principal.userId };
}

/**
 * Gives every request an id (the caller's `X-Request-Id` when sane, else a new one), a child
 * logger carrying it, and when the response is done one log line (with the principal and the
 * session when there are ones) and its metrics.
 */
export function requestLog(logger: Logger, metrics?: Metrics): RequestHandler {
  return (req, res, next) => {
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    const started = process.hrtime.bigint();
    const log = logger.child({ req_id: id });
    (req as { log?: Logger }).log = log;
    res.setHeader('X-Request-Id', id);
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const note = res.locals as RouteNote;
      const route = note.route ?? 'unmatched';
      metrics?.observeRequest({ route, method: req.method, status: res.statusCode }, seconds);
      const level = PROBES.has(route) && res.statusCode < 300 ? 'debug' : 'info';
      log[level](
        {
          method: req.method,
          url: req.originalUrl,
          status: res.statusCode,
          ms: Math.round(seconds * 10_000) / 10,
          principal: principalOf(res),
          session_id: note.sessionId,
        },
        'request',
      );
    });
    next();
  };
}
