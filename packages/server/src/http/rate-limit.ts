import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { RateLimitedError } from '../errors/api-error.js';
import { TokenBucket } from '../lib/token-bucket.js';
import type { Principal } from '../store/store.js';

/**
 * A token bucket per API key: `perMinute` requests a minute, with bursts up to the same number.
 * Runs after authentication. Each replica counts on its own, so N replicas allow up to N times
 * the rate; that is a ceiling against runaway clients, not a quota.
 */
export function rateLimit(perMinute: number, now: () => number = Date.now): RequestHandler {
  const buckets = new Map<number, TokenBucket>();
  let lastSweepMs = now();

  return (_req: Request, res: Response, next: NextFunction) => {
    const principal = res.locals.principal as Principal | undefined;
    if (perMinute <= 0 || !principal) return next();
    // Forget full buckets now and then, so that keys seen once do not stay in memory.
    if (now() - lastSweepMs > 60_000) {
      for (const [id, bucket] of buckets) if (bucket.full) buckets.delete(id);
      lastSweepMs = now();
    }
    let bucket = buckets.get(principal.keyId);
    if (!bucket) buckets.set(principal.keyId, (bucket = new TokenBucket(perMinute, now)));
    const retryAfter = bucket.take();
    next(retryAfter > 0 ? new RateLimitedError(retryAfter) : undefined);
  };
}
