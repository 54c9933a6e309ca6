import { browserTokenExpiry } from '@agentmc/contract';

/**
 * Where a client gets its browser token: a function the web page's code provides, typically a
 * call to its own backend, which mints one with `POST /api/v1/realtime/tokens` and the user's
 * key. The client calls it again before the token it has expires, and once more if the API
 * refuses the token (401) before then.
 */
export type TokenSource = () => Promise<string> | string;

/** Refresh when this little of a token's life is left (or a quarter of it, if less). */
const REFRESH_MARGIN_MS = 60_000;

/**
 * One token at a time from a {@link TokenSource}: asked for on first use, reused until shortly
 * before it expires (read from the token itself), and shared by concurrent requests while a
 * new one is on its way. A token whose expiry cannot be read is asked for on every use.
 */
export class TokenCache {
  readonly #source: TokenSource;
  readonly #now: () => number;
  #current: { token: string; refreshAt: number } | undefined;
  #pending: Promise<string> | undefined;

  constructor(source: TokenSource, now: () => number = Date.now) {
    this.#source = source;
    this.#now = now;
  }

  /** A token that is not about to expire. */
  get(): Promise<string> {
    const current = this.#current;
    if (current && this.#now() < current.refreshAt) return Promise.resolve(current.token);
    return this.refresh();
  }

  /** A new token from the source, whatever the current one's expiry (after a 401). */
  refresh(): Promise<string> {
    this.#pending ??= (async () => {
      try {
        const token = await this.#source();
        const expiry = browserTokenExpiry(token);
        const now = this.#now();
        if (expiry === undefined) {
          this.#current = undefined;
        } else {
          const left = expiry * 1000 - now;
          this.#current = { token, refreshAt: now + left - Math.min(REFRESH_MARGIN_MS, left / 4) };
        }
        return token;
      } finally {
        this.#pending = undefined;
      }
    })();
    return this.#pending;
  }
}
