/**
 * A token bucket: up to `capacity` actions at once, refilled at `perMinute` a minute.
 *
 * @example
 * const bucket = new TokenBucket(60);
 * const wait = bucket.take(); // 0: go ahead; otherwise the seconds until a token is back
 */
export class TokenBucket {
  readonly #capacity: number;
  readonly #refillPerMs: number;
  readonly #now: () => number;
  #tokens: number;
  #updatedMs: number;

  constructor(perMinute: number, now: () => number = Date.now) {
    this.#capacity = perMinute;
    this.#refillPerMs = perMinute / 60_000;
    this.#now = now;
    this.#tokens = perMinute;
    this.#updatedMs = now();
  }

  /** Takes a token: 0 when there was one, else the whole seconds until there will be. */
  take(): number {
    const wait = this.wait();
    if (wait === 0) this.#tokens -= 1;
    return wait;
  }

  /** The whole seconds until a token will be there (0: there is one now), taking nothing. */
  wait(): number {
    this.#refill();
    if (this.#tokens >= 1) return 0;
    return Math.max(1, Math.ceil((1 - this.#tokens) / this.#refillPerMs / 1000));
  }

  /** Whether the bucket has refilled completely (so forgetting it changes nothing). */
  get full(): boolean {
    this.#refill();
    return this.#tokens >= this.#capacity;
  }

  #refill(): void {
    const t = this.#now();
    this.#tokens = Math.min(
      this.#capacity,
      this.#tokens + (t - this.#updatedMs) * this.#refillPerMs,
    );
    this.#updatedMs = t;
  }
}
