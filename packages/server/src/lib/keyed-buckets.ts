import { TokenBucket } from './token-bucket.js';

/** How often buckets that have refilled completely are forgotten. */
const SWEEP_MS = 60_000;

/**
 * A {@link TokenBucket} per key (an API key, a principal, a client address), each allowing
 * `perMinute` actions a minute with bursts up to the same number. A bucket that has refilled
 * completely is forgotten now and then, so keys seen once do not stay in memory. `perMinute`
 * 0 allows everything.
 *
 * @example
 * const perKey = new KeyedBuckets<number>(1200);
 * const wait = perKey.take(keyId); // 0: go ahead; otherwise seconds until there is room
 */
export class KeyedBuckets<K> {
  readonly #perMinute: number;
  readonly #now: () => number;
  readonly #buckets = new Map<K, TokenBucket>();
  #sweptMs: number;

  constructor(perMinute: number, now: () => number = Date.now) {
    this.#perMinute = perMinute;
    this.#now = now;
    this.#sweptMs = now();
  }

  /** Takes one action's token for `key`: 0 when there was one, else seconds until there is. */
  take(key: K): number {
    if (this.#perMinute <= 0) return 0;
    return this.#bucket(key).take();
  }

  /** Seconds until `key` has a token (0: it has one now), taking nothing. */
  wait(key: K): number {
    if (this.#perMinute <= 0) return 0;
    return this.#buckets.get(key)?.wait() ?? 0;
  }

  #bucket(key: K): TokenBucket {
    if (this.#now() - this.#sweptMs > SWEEP_MS) {
      for (const [k, bucket] of this.#buckets) if (bucket.full) this.#buckets.delete(k);
      this.#sweptMs = this.#now();
    }
    let bucket = this.#buckets.get(key);
    if (!bucket) this.#buckets.set(key, (bucket = new TokenBucket(this.#perMinute, this.#now)));
    return bucket;
  }
}
