import type { IdentityStore, Principal } from '../store/store.js';

export interface PrincipalsOptions {
  readonly identity: IdentityStore;
  /** How long a remembered key is trusted before it is looked up again. */
  readonly ttlMs?: number;
  /** Keys remembered at most; the oldest go first. */
  readonly capacity?: number;
  readonly now?: () => number;
}

interface Remembered {
  readonly principal: Principal;
  readonly until: number;
}

/**
 * Who an API key belongs to, looked up in the store or remembered from an earlier lookup.
 *
 * Remembering is safe only where the caller checks the key again in the same statement that
 * does the work: the agent's list and claim carry "this key is live and its agent enabled" in
 * their own SQL ({@link SessionStore.listRequested}, {@link SessionStore.claim}), so a key revoked
 * a moment ago, by any process, is refused by the statement itself, and then forgotten here. Every
 * other route asks the store each time. On PostgreSQL that saves the hot routes a round trip,
 * on SQLite a statement.
 *
 * @example
 * const principals = new Principals({ identity: store.identity });
 * const principal = await principals.byKeyHash(hashApiKey(key), { remembered: true });
 */
export class Principals {
  readonly #identity: IdentityStore;
  readonly #ttlMs: number;
  readonly #capacity: number;
  readonly #now: () => number;
  readonly #byHash = new Map<string, Remembered>();

  constructor(options: PrincipalsOptions) {
    this.#identity = options.identity;
    this.#ttlMs = options.ttlMs ?? 60_000;
    this.#capacity = options.capacity ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /**
   * The principal of a live API key by its hash, or undefined. With `remembered`, an earlier
   * answer may stand in for the store's: only for a caller that checks the key again itself.
   */
  async byKeyHash(
    keyHash: string,
    options: { readonly remembered: boolean },
  ): Promise<Principal | undefined> {
    const now = this.#now();
    if (options.remembered) {
      const remembered = this.#byHash.get(keyHash);
      if (remembered && remembered.until > now) return remembered.principal;
    }
    const principal = await this.#identity.findPrincipalByKeyHash(keyHash);
    this.#byHash.delete(keyHash);
    // A disabled agent's key is refused by the caller anyway; it is looked up until enabled.
    if (principal && !principal.agentDisabled) {
      // A Map iterates in insertion order: the first key is the one remembered longest ago.
      if (this.#byHash.size >= this.#capacity)
        this.#byHash.delete(this.#byHash.keys().next().value!);
      this.#byHash.set(keyHash, { principal, until: now + this.#ttlMs });
    }
    return principal;
  }

  /** The person of a live browser token, or undefined; always from the store. */
  byTokenHash(input: { tokenHash: string; now: number }): Promise<Principal | undefined> {
    return this.#identity.findPrincipalByTokenHash(input);
  }

  /** Forgets a key that a statement found revoked (or its agent disabled). */
  forget(keyId: number): void {
    for (const [hash, { principal }] of this.#byHash) {
      if (principal.keyId === keyId) this.#byHash.delete(hash);
    }
  }
}
