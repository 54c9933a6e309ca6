/** Seconds since the epoch. Injected, so that tests can move time instead of waiting for it. */
export type Clock = () => number;

export const systemClock: Clock = () => Math.floor(Date.now() / 1000);

// A list response formats up to five instants per session, and sessions share many of them
// (created_at = updated_at, requests made in the same second): remember recent ones.
const formatted = new Map<number, string>();
const FORMATTED_MAX = 4_096;

/** `2026-02-22T17:21:00Z`: the API's timestamp format, to the second. */
export function formatTimestamp(epochSeconds: number): string {
  let text = formatted.get(epochSeconds);
  if (text === undefined) {
    // toISOString() is `YYYY-MM-DDTHH:MM:SS.000Z` for whole seconds; drop the milliseconds.
    text = `${new Date(epochSeconds * 1000).toISOString().slice(0, 19)}Z`;
    if (formatted.size >= FORMATTED_MAX) formatted.clear();
    formatted.set(epochSeconds, text);
  }
  return text;
}

export function formatNullableTimestamp(epochSeconds: number | null): string | null {
  return epochSeconds === null ? null : formatTimestamp(epochSeconds);
}
