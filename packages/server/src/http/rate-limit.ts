import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Principal } from '../store/store.js';
import { RateLimitedError } from './errors.js';

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/**
 * A token bucket per API key: `perMinute` requests a minute, with bursts up to the same number.
 * Runs after authentication. Each replica counts on its own, so N replicas allow up to N times
 * the rate; that is a ceiling against runaway clients, not a quota.
 */
export function rateLimit(perMinute: number, now: () => number = Date.now): RequestHandler {
  const buckets = new Map<number, Bucket>();
  const refillPerMs = perMinute / 60_000;
  let lastSweepMs = now();

  return (_req: Request, res: Response, next: NextFunction) => {
    const principal = res.locals.principal as Principal | undefined;
    if (perMinute <= 0 || !principal) return next();
    const t = now();
    // Drop full buckets now and then, so that keys seen once do not stay in memory.
    if (t - lastSweepMs > 60_000) {
      for (const [id, b] of buckets) {
        if (b.tokens + (t - b.updatedMs) * refillPerMs >= perMinute) buckets.delete(id);
      }
      lastSweepMs = t;
    }
    const bucket = buckets.get(principal.keyId) ?? { tokens: perMinute, updatedMs: t };
    bucket.tokens = Math.min(perMinute, bucket.tokens + (t - bucket.updatedMs) * refillPerMs);
    bucket.updatedMs = t;
    buckets.set(principal.keyId, bucket);
    if (bucket.tokens < 1) {
      const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / refillPerMs / 1000));
      return next(new RateLimitedError(retryAfter));
    }
    bucket.tokens -= 1;
    next();
  };
}
