import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { RateLimitedError } from '../errors/api-error.js';
import { KeyedBuckets } from '../lib/keyed-buckets.js';
import type { Principal } from '../store/store.js';

/**
 * A token bucket per API key: `perMinute` requests a minute, with bursts up to the same number;
 * 0 turns it off. Runs after authentication. Each replica counts on its own, so N replicas allow
 * up to N times the rate; that is a ceiling against runaway clients, not a quota.
 */
export function rateLimit(perMinute: number, now: () => number = Date.now): RequestHandler {
  const perKey = new KeyedBuckets<number>(perMinute, now);
  return (_req: Request, res: Response, next: NextFunction) => {
    const principal = res.locals.principal as Principal | undefined;
    if (!principal) return next();
    const retryAfter = perKey.take(principal.keyId);
    next(retryAfter > 0 ? new RateLimitedError(retryAfter) : undefined);
  };
}
