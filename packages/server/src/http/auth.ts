import { BROWSER_TOKEN_PREFIX, type RouteMetadata } from '@agentmc/contract';
import type { AppRoute } from '@ts-rest/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ForbiddenError, UnauthenticatedError } from '../errors/api-error.js';
import { toApiError } from '../errors/to-api-error.js';
import { hashApiKey } from '../lib/api-keys.js';
import type { Clock } from '../lib/clock.js';
import type { AgentActor, PersonActor } from '../sessions/actor.js';
import type { Credential } from '../sessions/standing.js';
import type { Budgets } from '../sessions/budgets.js';
import type { Principals } from '../sessions/principals.js';
import type { Principal } from '../store/store.js';

/**
 * The credential of a request: `X-Api-Key`, or `Authorization: Bearer <key or browser token>`.
 */
export function apiKeyOf(req: Request): string | undefined {
  const header = req.headers['x-api-key'];
  if (typeof header === 'string' && header.trim() !== '') return header.trim();
  const authorization = req.headers.authorization;
  const match = authorization?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}

/** The client's address, as the budget for failed authentication counts it. */
export function clientAddress(req: Pick<Request, 'ip' | 'socket'>): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

/**
 * Authenticates every contract route before its input is validated, and enforces the principal
 * kind the contract's route metadata asks for. A browser token stands for its person on the
 * person's routes only: never on an agent's, never to mint another token. Every 401 and 403 it
 * answers comes out of the client address's budget for failed authentication; once that is
 * spent, the address gets 429 without any key being looked up.
 */
export function authenticate(
  principals: Pick<Principals, 'byKeyHash' | 'byTokenHash'>,
  budgets: Budgets,
  clock: Clock,
  options: {
    /**
     * Routes whose own statements check the key again (see {@link Principals}): an API key
     * looked up a moment ago may stand for them without asking the store.
     */
    readonly recheckingRoutes?: ReadonlySet<AppRoute>;
  } = {},
): RequestHandler {
  const rechecking = options.recheckingRoutes ?? new Set<AppRoute>();
  return (req: Request, res: Response, next: NextFunction) => {
    const address = clientAddress(req);
    const blocked = budgets.authBlocked(address);
    if (blocked) return next(toApiError(blocked));
    const failed = (error: unknown) => {
      const status = toApiError(error).status;
      if (status === 401 || status === 403) budgets.authFailed(address);
      next(error);
    };
    const credential = apiKeyOf(req);
    if (!credential) return failed(new UnauthenticatedError());
    const isToken = credential.startsWith(BROWSER_TOKEN_PREFIX);
    const route = (req as Request & { tsRestRoute?: AppRoute }).tsRestRoute;
    const lookup = isToken
      ? principals.byTokenHash({ tokenHash: hashApiKey(credential), now: clock() })
      : principals.byKeyHash(hashApiKey(credential), {
          remembered: route !== undefined && rechecking.has(route),
        });
    lookup
      .then((principal) => {
        if (!principal) throw new UnauthenticatedError();
        const metadata = route?.metadata as RouteMetadata | undefined;
        const wanted = metadata?.auth;
        if (wanted === 'agent') {
          if (principal.agentId === null) {
            throw new ForbiddenError('This operation needs an agent API key.');
          }
          if (principal.agentDisabled) throw new ForbiddenError('This agent is disabled.');
        } else if (wanted === 'user' && principal.userId === null) {
          throw new ForbiddenError('This operation needs a user API key.');
        }
        if (isToken && metadata?.browserToken === false) {
          throw new ForbiddenError('This operation needs a user API key, not a browser token.');
        }
        res.locals.principal = principal;
        next();
      })
      .catch(failed);
  };
}

/** The calling agent, on a route whose metadata asks for an agent key. */
export function agentOf(res: Response): AgentActor {
  const principal = res.locals.principal as Principal | undefined;
  if (!principal || principal.agentId === null) throw new UnauthenticatedError();
  return { kind: 'agent', agentId: principal.agentId, teamId: principal.teamId };
}

/** The key the caller authenticated with: the tickets it is given are bound to it. */
export function credentialOf(res: Response): Credential {
  const principal = res.locals.principal as Principal | undefined;
  if (!principal) throw new UnauthenticatedError();
  return { keyId: principal.keyId };
}

/** The calling person (a `user` key or a browser token), on a route that asks for one. */
export function personOf(res: Response): PersonActor {
  const principal = res.locals.principal as Principal | undefined;
  if (!principal || principal.userId === null) throw new UnauthenticatedError();
  return { kind: 'person', personId: principal.userId, teamId: principal.teamId };
}
