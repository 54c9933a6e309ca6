import {
  rateLimited,
  unauthenticated,
  unavailable,
  type Failure,
  type Result,
} from '../errors/failures.js';
import type { Actor } from '../sessions/actor.js';
import type { Credential } from '../sessions/standing.js';

/** How long a refused upgrade is told to wait before it tries again. */
const RETRY_AFTER_SECONDS = 5;
/** How long a revocation is remembered for upgrades that were admitted just before it. */
const REMEMBER_REVOKED_MS = 5 * 60_000;

export interface SocketLimits {
  /** Open sockets (and upgrades under way) on this replica. */
  readonly maxSockets: number;
  /** Open sockets of one agent or one person on this replica, session and watch together. */
  readonly maxSocketsPerPrincipal: number;
}

/** Who a socket speaks for and the key its ticket came through. */
export interface SocketOwner {
  readonly actor: Actor;
  readonly credential: Credential;
}

/** What a revocation names: a key, or an agent (every key of it). */
export type Revoked = { readonly keyId: number } | { readonly agentId: number };

/**
 * A place for one socket on this replica, taken before its ticket is even read, so that a flood
 * of upgrades is refused before it costs a database read or a file descriptor too many.
 */
export interface Place {
  /**
   * Names who the socket speaks for, once the ticket checked out: refused with 429 when that
   * principal already holds its limit, or 401 when its access was revoked since the check.
   */
  assign(owner: SocketOwner): Result<Place, Failure<'rate_limited' | 'auth.unauthenticated'>>;
  /** The open socket: how to end it if its access is revoked. */
  attach(end: (failure: Failure) => void): void;
  /** Gives the place back (the upgrade failed, or the socket closed). Repeats are harmless. */
  release(): void;
}

/**
 * Every socket of this replica, counted against the limits and indexed by principal and key, so
 * that a revocation finds the sockets it ends. Revocations that arrive while an admitted
 * upgrade is still under way are remembered, so that it does not open after all.
 *
 * @example
 * const registry = new SocketRegistry({ maxSockets: 1000, maxSocketsPerPrincipal: 16 });
 * const place = registry.reserve();
 * if (!place.ok) return refuse(place); // 503
 */
export class SocketRegistry {
  readonly #limits: SocketLimits;
  #places = 0;
  readonly #byPrincipal = new Map<string, Set<Entry>>();
  /** `key:3` or `agent:7` → the revocation's sequence number and when it was heard. */
  readonly #revoked = new Map<string, { seq: number; atMs: number }>();
  #revocations = 0;

  constructor(limits: SocketLimits) {
    this.#limits = limits;
  }

  /** Sockets open or opening on this replica. */
  get size(): number {
    return this.#places;
  }

  reserve(): Result<Place, Failure<'service.unavailable'>> {
    if (this.#places >= this.#limits.maxSockets) {
      return unavailable(
        RETRY_AFTER_SECONDS,
        'This server holds as many websockets as it can; try again shortly.',
      );
    }
    this.#places++;
    return { ok: true, value: this.#place() };
  }

  /** Ends the open sockets a revocation names, and refuses upgrades admitted before it. */
  revoke(revoked: Revoked, failure: Failure): void {
    const now = Date.now();
    for (const [name, { atMs }] of this.#revoked) {
      if (now - atMs > REMEMBER_REVOKED_MS) this.#revoked.delete(name);
    }
    const name = 'keyId' in revoked ? `key:${revoked.keyId}` : `agent:${revoked.agentId}`;
    this.#revoked.set(name, { seq: ++this.#revocations, atMs: now });
    for (const entries of this.#byPrincipal.values()) {
      for (const entry of entries) {
        if (matches(entry.owner, revoked)) entry.end(failure);
      }
    }
  }

  /** The distinct keys behind open sockets, with whom each speaks for. */
  owners(): SocketOwner[] {
    const byKey = new Map<number, SocketOwner>();
    for (const entries of this.#byPrincipal.values()) {
      for (const { owner } of entries) byKey.set(owner.credential.keyId, owner);
    }
    return [...byKey.values()];
  }

  #place(): Place {
    const reservedAt = this.#revocations;
    let entry: Entry | undefined;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.#places--;
      if (!entry) return;
      entry.group.delete(entry);
      const principal = principalName(entry.owner.actor);
      if (entry.group.size === 0 && this.#byPrincipal.get(principal) === entry.group) {
        this.#byPrincipal.delete(principal);
      }
    };
    const place: Place = {
      assign: (owner) => {
        if (this.#revokedSince(owner, reservedAt)) {
          release();
          return unauthenticated('The API key behind this ticket was revoked.');
        }
        const principal = principalName(owner.actor);
        let group = this.#byPrincipal.get(principal);
        const limit = this.#limits.maxSocketsPerPrincipal;
        if ((group?.size ?? 0) >= limit) {
          release();
          return rateLimited(
            RETRY_AFTER_SECONDS,
            `At most ${limit} open websockets per principal; close one first.`,
          );
        }
        if (!group) this.#byPrincipal.set(principal, (group = new Set()));
        entry = new Entry(owner, group);
        group.add(entry);
        return { ok: true, value: place };
      },
      attach: (end) => entry?.attach(end),
      release,
    };
    return place;
  }

  #revokedSince(owner: SocketOwner, seq: number): boolean {
    const names = [`key:${owner.credential.keyId}`];
    if (owner.actor.kind === 'agent') names.push(`agent:${owner.actor.agentId}`);
    return names.some((name) => (this.#revoked.get(name)?.seq ?? 0) > seq);
  }
}

/** A socket's place once its owner is known; ended at once if revoked before it is attached. */
class Entry {
  #end: ((failure: Failure) => void) | undefined;
  #endedWith: Failure | undefined;

  constructor(
    readonly owner: SocketOwner,
    readonly group: Set<Entry>,
  ) {}

  attach(end: (failure: Failure) => void): void {
    this.#end = end;
    if (this.#endedWith) end(this.#endedWith);
  }

  end(failure: Failure): void {
    this.#endedWith ??= failure;
    this.#end?.(failure);
  }
}

function principalName(actor: Actor): string {
  return actor.kind === 'agent' ? `agent:${actor.agentId}` : `person:${actor.personId}`;
}

function matches(owner: SocketOwner, revoked: Revoked): boolean {
  return 'keyId' in revoked
    ? owner.credential.keyId === revoked.keyId
    : owner.actor.kind === 'agent' && owner.actor.agentId === revoked.agentId;
}
