import { StoreUnavailableError, isUnavailableError } from './errors.js';

/**
 * Wraps every method of a store aggregate so that "the database is not there" surfaces as
 * {@link StoreUnavailableError} (answered 503 with Retry-After), whatever query hit it, and
 * every failed statement is counted by `onError` (the metrics read the count).
 */
export function guard<T extends object>(aggregate: T, onError: () => void = () => {}): T {
  const guarded = {} as Record<string, unknown>;
  for (const [name, value] of Object.entries(aggregate)) {
    guarded[name] =
      typeof value === 'function'
        ? async (...args: unknown[]) => {
            try {
              const method = value as (...a: unknown[]) => Promise<unknown>;
              return await method.apply(aggregate, args);
            } catch (error) {
              onError();
              if (isUnavailableError(error)) throw new StoreUnavailableError({ cause: error });
              throw error;
            }
          }
        : value;
  }
  return guarded as T;
}
