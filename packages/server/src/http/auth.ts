import type { RouteMetadata } from '@agentmc/contract';
import type { AppRoute } from '@ts-rest/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { hashApiKey } from '../domain/api-keys.js';
import type { Principal, Store } from '../store/store.js';
import { ForbiddenError, UnauthenticatedError } from './errors.js';

export interface AgentPrincipal extends Principal {
  readonly agentId: number;
}
export interface UserPrincipal extends Principal {
  readonly userId: number;
}

/** The API key of a request: `X-Api-Key`, or `Authorization: Bearer <key>`. */
export function apiKeyOf(req: Request): string | undefined {
  const header = req.headers['x-api-key'];
  if (typeof header === 'string' && header.trim() !== '') return header.trim();
  const authorization = req.headers.authorization;
  const match = authorization?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}

/**
 * Authenticates every contract route before its input is validated, and enforces the principal
 * kind the contract's route metadata asks for.
 */
export function authenticate(store: Store): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const key = apiKeyOf(req);
    if (!key) return next(new UnauthenticatedError());
    store
      .findPrincipalByKeyHash(hashApiKey(key))
      .then((principal) => {
        if (!principal) throw new UnauthenticatedError();
        const route = (req as Request & { tsRestRoute?: AppRoute }).tsRestRoute;
        const wanted = (route?.metadata as RouteMetadata | undefined)?.auth;
        if (wanted === 'agent') {
          if (principal.agentId === null) {
            throw new ForbiddenError('This operation needs an agent API key.');
          }
          if (principal.agentDisabled) throw new ForbiddenError('This agent is disabled.');
        } else if (wanted === 'user' && principal.userId === null) {
          throw new ForbiddenError('This operation needs a user API key.');
        }
        res.locals.principal = principal;
        next();
      })
      .catch(next);
  };
}

export function agentOf(res: Response): AgentPrincipal {
  const principal = res.locals.principal as Principal | undefined;
  if (!principal || principal.agentId === null) throw new UnauthenticatedError();
  return principal as AgentPrincipal;
}

export function userOf(res: Response): UserPrincipal {
  const principal = res.locals.principal as Principal | undefined;
  if (!principal || principal.userId === null) throw new UnauthenticatedError();
  return principal as UserPrincipal;
}
