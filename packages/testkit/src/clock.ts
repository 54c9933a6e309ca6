import { systemClock, type Clock } from '@agentmc/server';

export type { Clock };

/** A clock that tests move by hand. */
export type ManualClock = Clock & {
  /** Moves time forward by this many seconds. */
  advance(seconds: number): void;
  /** Sets the time, in epoch seconds. */
  set(t: number): void;
};

/**
 * A clock that tests move by hand, so that expiry is tested without waiting.
 *
 * @example
 * const clock = manualClock();
 * clock.advance(601);
 */
export function manualClock(start = systemClock()): ManualClock {
  let now = start;
  const clock = () => now;
  clock.advance = (seconds: number) => {
    now += seconds;
  };
  clock.set = (t: number) => {
    now = t;
  };
  return clock;
}

/** The instant the seeds' examples show (`2026-02-22T17:21:00Z`); tests start their clocks there. */
export const SEED_INSTANT = Date.UTC(2026, 1, 22, 17, 21, 0) / 1000;

/** `2026-02-22T17:21:00Z`: UTC, to the second, with a `Z`. */
export const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** The API's timestamp for an instant in epoch seconds. */
export function iso(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
