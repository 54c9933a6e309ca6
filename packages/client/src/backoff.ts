/**
 * Exponential backoff with "equal jitter": the n-th wait is drawn from [c/2, c] where
 * c = min(max, min·2ⁿ). Clients started together (or cut off together) drift apart, and none
 * retries much sooner than planned. The agent's polls and every reconnect use it.
 *
 * @example
 * const backoff = new Backoff(1_000, 30_000);
 * await sleep(backoff.next()); // 500..1000 ms, then 1000..2000, … up to 15000..30000
 * backoff.reset(); // after a success
 */
export class Backoff {
  readonly #minMs: number;
  readonly #maxMs: number;
  readonly #random: () => number;
  #attempt = 0;

  constructor(minMs: number, maxMs: number, random: () => number = Math.random) {
    this.#minMs = minMs;
    this.#maxMs = Math.max(minMs, maxMs);
    this.#random = random;
  }

  /** The next wait in milliseconds; each call doubles the ceiling until it reaches the maximum. */
  next(): number {
    const ceiling = Math.min(this.#maxMs, this.#minMs * 2 ** this.#attempt);
    if (ceiling < this.#maxMs) this.#attempt += 1;
    return Math.round(ceiling / 2 + (this.#random() * ceiling) / 2);
  }

  reset(): void {
    this.#attempt = 0;
  }
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted || ms <= 0) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
