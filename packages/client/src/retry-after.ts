/** The longest wait a `Retry-After` header can ask for here; anything longer is a broken header. */
const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;

/**
 * How long a response asks the caller to wait before trying again, from its `Retry-After`
 * header: delta-seconds (`Retry-After: 2`) or an HTTP date. Undefined when the header is absent
 * or unreadable; capped at one hour.
 *
 * @example
 * const result = await api.operations.listAgentRealtimeRequestedSessions();
 * if (result.status === 429) await sleep(retryAfterMs(result.headers) ?? 1000);
 */
export function retryAfterMs(headers: Headers, now: number = Date.now()): number | undefined {
  const value = headers.get('retry-after')?.trim();
  if (!value) return undefined;
  let ms: number;
  if (/^\d+$/.test(value)) {
    ms = Number(value) * 1000;
  } else {
    const at = Date.parse(value);
    if (Number.isNaN(at)) return undefined;
    ms = Math.max(0, at - now);
  }
  return Math.min(ms, MAX_RETRY_AFTER_MS);
}
