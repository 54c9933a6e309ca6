import { randomUUID } from 'node:crypto';
import type { RealtimeBus, RealtimeEvent } from '../events/bus.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../logger.js';
import type { IdentityStore } from '../store/store.js';

/** Agent ids per presence event: keeps a PostgreSQL NOTIFY well under its 8000-byte limit. */
const IDS_PER_EVENT = 500;

export interface PresenceDeps {
  readonly bus: RealtimeBus;
  readonly clock: Clock;
  readonly identity: IdentityStore;
  readonly logger: Logger;
  /** How often a replica repeats which agents it holds online (and notes them as seen). */
  readonly intervalSeconds: number;
}

/**
 * Which agents are online: an agent is online while it holds a watch socket open on any
 * replica. Each replica counts its own watch sockets and tells the others through the bus when an
 * agent comes or goes, and again every interval; what another replica said lapses after three
 * intervals, so a replica that died takes its agents offline with it. A replica that starts asks
 * the others to repeat themselves at once. `last_seen_at` is written when an agent comes, goes,
 * and every interval while it stays.
 *
 * @example
 * presence.watchOpened(7);
 * presence.isOnline(7); // true, here and, a moment later, on every replica
 */
export class Presence {
  readonly #replica = randomUUID();
  readonly #deps: PresenceDeps;
  /** agent id → watch sockets open on this replica. */
  readonly #local = new Map<number, number>();
  /** agent id → replica → the second its word lapses. */
  readonly #remote = new Map<number, Map<string, number>>();
  readonly #unsubscribe: () => void;
  #timer: NodeJS.Timeout | undefined;

  constructor(deps: PresenceDeps) {
    this.#deps = deps;
    this.#unsubscribe = deps.bus.subscribe((event) => this.#hear(event));
  }

  /** Starts the periodic repeat, and asks the other replicas for theirs. */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.#repeat(), this.#deps.intervalSeconds * 1000);
    this.#timer.unref();
    this.#publish({ online: [], offline: [], hello: true });
  }

  /** Stops repeating; the agents still held here go offline for the others. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#unsubscribe();
    const held = [...this.#local.keys()];
    this.#local.clear();
    for (const ids of chunks(held)) this.#publish({ online: [], offline: ids });
  }

  watchOpened(agentId: number): void {
    const count = (this.#local.get(agentId) ?? 0) + 1;
    this.#local.set(agentId, count);
    if (count === 1) {
      this.#publish({ online: [agentId], offline: [] });
      this.#markSeen([agentId]);
    }
  }

  watchClosed(agentId: number): void {
    const count = (this.#local.get(agentId) ?? 0) - 1;
    if (count > 0) {
      this.#local.set(agentId, count);
      return;
    }
    this.#local.delete(agentId);
    this.#publish({ online: [], offline: [agentId] });
    this.#markSeen([agentId]);
  }

  isOnline(agentId: number): boolean {
    if (this.#local.has(agentId)) return true;
    const now = this.#deps.clock();
    for (const until of this.#remote.get(agentId)?.values() ?? []) if (until >= now) return true;
    return false;
  }

  #hear(event: RealtimeEvent): void {
    if (event.kind === 'resync') {
      // Notifications were lost while the bus was down, ours to others included.
      this.#repeat();
      return;
    }
    if (event.kind !== 'presence' || event.replica === this.#replica) return;
    const until = this.#deps.clock() + event.ttlSeconds;
    for (const id of event.online) {
      let replicas = this.#remote.get(id);
      if (!replicas) this.#remote.set(id, (replicas = new Map<string, number>()));
      replicas.set(event.replica, until);
    }
    for (const id of event.offline) {
      const replicas = this.#remote.get(id);
      replicas?.delete(event.replica);
      if (replicas?.size === 0) this.#remote.delete(id);
    }
    if (event.hello && this.#local.size > 0) this.#repeat();
  }

  /** Says again which agents this replica holds, notes them seen, forgets lapsed words. */
  #repeat(): void {
    const held = [...this.#local.keys()];
    for (const ids of chunks(held)) this.#publish({ online: ids, offline: [] });
    this.#markSeen(held);
    const now = this.#deps.clock();
    for (const [id, replicas] of this.#remote) {
      for (const [replica, until] of replicas) if (until < now) replicas.delete(replica);
      if (replicas.size === 0) this.#remote.delete(id);
    }
  }

  #publish(change: { online: number[]; offline: number[]; hello?: boolean }): void {
    this.#deps.bus.publish({
      kind: 'presence',
      replica: this.#replica,
      ttlSeconds: this.#deps.intervalSeconds * 3,
      ...change,
    });
  }

  #markSeen(agentIds: number[]): void {
    if (agentIds.length === 0) return;
    this.#deps.identity
      .markAgentsSeen({ agentIds, now: this.#deps.clock() })
      .catch((error: unknown) =>
        this.#deps.logger.warn({ err: error }, 'presence: could not note agents as seen'),
      );
  }
}

function chunks(ids: number[]): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < ids.length; i += IDS_PER_EVENT) out.push(ids.slice(i, i + IDS_PER_EVENT));
  return out;
}
