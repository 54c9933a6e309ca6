import { vi } from 'vitest';

/** Long enough for a loaded two-core machine; tests never wait this long when things work. */
export const WAIT_MS = 15_000;

/**
 * Waits until `callback` returns without throwing (an `expect` that holds, say), trying again
 * every few milliseconds: `vi.waitFor` with a timeout fit for a loaded machine. Resolves with
 * what the callback returned; after the timeout, rejects with its last error.
 *
 * @example
 * await waitFor(() => expect(signals, 'every signal').toHaveLength(42));
 */
export function waitFor<T>(
  callback: () => T | Promise<T>,
  options: { timeout?: number; interval?: number } = {},
): Promise<T> {
  return vi.waitFor(callback, { timeout: WAIT_MS, interval: 5, ...options });
}
