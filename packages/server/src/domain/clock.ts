/** Seconds since the epoch. Injected, so that tests can move time instead of waiting for it. */
export type Clock = () => number;

export const systemClock: Clock = () => Math.floor(Date.now() / 1000);

/** `2026-02-22T17:21:00Z`: the API's timestamp format, to the second. */
export function formatTimestamp(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function formatNullableTimestamp(epochSeconds: number | null): string | null {
  return epochSeconds === null ? null : formatTimestamp(epochSeconds);
}
