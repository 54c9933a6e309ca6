import {
  BROWSER_TOKEN_DEFAULT_TTL_SECONDS,
  type BrowserToken,
  type TeamAgent,
} from '@agentmc/contract';
import {
  notFound,
  ok,
  unauthenticated,
  type NotFound,
  type Result,
  type Unauthenticated,
} from '../errors/failures.js';
import { generateBrowserToken } from '../lib/api-keys.js';
import { formatNullableTimestamp, formatTimestamp } from '../lib/clock.js';
import type { PersonActor } from './actor.js';
import type { SessionsContext } from './core.js';
import type { Presence } from './presence.js';

/** Expired tokens are forgotten this long after they expire. */
const EXPIRED_TOKEN_KEEP_SECONDS = 3_600;

/**
 * The person's side beyond sessions: browser tokens for web pages, and the team's agents with
 * their presence.
 *
 * @example
 * const minted = await people.mintToken({ keyId: 3 }, 600);
 * if (minted.ok) page.send(minted.value.token); // Authorization: Bearer amt_…
 */
export class People {
  readonly #deps: SessionsContext;
  readonly #presence: Presence;

  constructor(deps: SessionsContext, presence: Presence) {
    this.#deps = deps;
    this.#presence = presence;
  }

  /**
   * A browser token for the person whose user key this is. It ends at `expires_at`, or as soon
   * as that key is revoked or the person removed.
   */
  async mintToken(
    via: { readonly keyId: number },
    ttlSeconds: number = BROWSER_TOKEN_DEFAULT_TTL_SECONDS,
  ): Promise<Result<BrowserToken, Unauthenticated>> {
    const { store, clock } = this.#deps;
    const now = clock();
    const expiresAt = now + ttlSeconds;
    const { token, hash } = generateBrowserToken(expiresAt);
    const row = await store.identity.createBrowserToken({
      keyId: via.keyId,
      tokenHash: hash,
      expiresAt,
      now,
    });
    // The key was revoked (or its person removed) since the request was authenticated.
    if (!row) return unauthenticated();
    await store.identity.pruneBrowserTokens(now - EXPIRED_TOKEN_KEEP_SECONDS);
    return ok({ token, expires_at: formatTimestamp(expiresAt) });
  }

  /**
   * The operator's browser token for a person (the admin CLI), minted through the person's
   * newest live key, so that revoking it ends the token as it would any other.
   */
  async mintTokenForUser(
    userId: number,
    ttlSeconds?: number,
  ): Promise<Result<BrowserToken, NotFound | Unauthenticated>> {
    const { identity } = this.#deps.store;
    const user = await identity.findUser(userId);
    if (!user || user.removed_at !== null) return notFound('User not found.');
    const key = await identity.latestUserKey(userId);
    if (!key)
      return notFound('This user has no live API key: create one with `key create --user`.');
    return this.mintToken({ keyId: key.id }, ttlSeconds);
  }

  /** The team's agents a person can ask for a session, each with whether it is online now. */
  async agents(person: PersonActor): Promise<TeamAgent[]> {
    const rows = await this.#deps.store.identity.listTeamAgents(person.teamId);
    return rows.map((agent) => ({
      id: agent.id,
      name: agent.name,
      online: this.#presence.isOnline(agent.id),
      last_seen_at: formatNullableTimestamp(agent.last_seen_at),
    }));
  }
}
