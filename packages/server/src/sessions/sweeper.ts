import type { Logger } from '../logger.js';

/**
 * Ends abandoned sessions on a timer: requests nobody claimed in time, claims whose agent never
 * connected, active sessions whose agent went silent. Every replica runs one; each session is
 * ended by exactly one of them (the store's UPDATEs are conditional). Time comes from the
 * injected clock, so tests move the clock and call {@link Sweeper.tick} instead of waiting.
 */
export class Sweeper {
  readonly #sessions: { sweep(): Promise<number> };
  readonly #logger: Logger;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  /** The latest sweep; sweeps run one after another, never two at once. */
  #last: Promise<number> = Promise.resolve(0);
  #busy = false;

  constructor(options: {
    sessions: { sweep(): Promise<number> };
    logger: Logger;
    intervalSeconds: number;
  }) {
    this.#sessions = options.sessions;
    this.#logger = options.logger;
    this.#intervalMs = options.intervalSeconds * 1000;
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      // A slow sweep is not joined by a pile of timer ticks behind it.
      if (this.#busy) return;
      this.tick().catch((error: unknown) =>
        // The database may be away for a moment; the next tick tries again.
        this.#logger.warn({ err: error }, 'realtime sweep failed'),
      );
    }, this.#intervalMs);
    this.#timer.unref();
  }

  /** Runs one sweep now, after any in progress. Resolves with how many sessions it ended. */
  tick(): Promise<number> {
    const run = this.#last
      .catch(() => 0)
      .then(() => {
        this.#busy = true;
        return this.#sessions.sweep();
      })
      .finally(() => {
        if (this.#last === run) this.#busy = false;
      });
    this.#last = run;
    return run;
  }

  /** Stops the timer and waits for a sweep in progress. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#last.catch(() => undefined);
  }
}
