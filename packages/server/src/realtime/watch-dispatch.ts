import type { RealtimeEvent } from '../events/bus.js';
import type { WatchSocket } from './watch-socket.js';

type Requested = Extract<RealtimeEvent, { kind: 'requested' }>;
type SessionChanged = Extract<RealtimeEvent, { kind: 'session' }>;

/** A session pushed to its first socket, and owed to the agent's others when the grace ends. */
interface Owed {
  readonly first: WatchSocket;
  /** Without the session's record once a change came without one: each socket reads it then. */
  event: Requested;
  readonly timer: NodeJS.Timeout;
}

/**
 * Which of an agent's watch sockets hears of a requested session, and when. With several (an
 * agent running several processes), pushing to all at once makes them all race to claim, and
 * the server spends its time answering the losers' 409s while the winner waits. So one socket
 * hears first — the one chosen first least recently, so that every process gets its turn — and
 * the others only if the session is still waiting after `graceMs`: not at all once it was
 * claimed or ended (the bus's `session` event says so), and at once if the first socket closes.
 * One socket, or a grace of 0, is told at once as before. A socket that opens later reads the
 * waiting sessions itself (see {@link WatchSocket}).
 *
 * Each replica chooses among its own sockets: an agent watching through several replicas has
 * one socket per replica told first.
 *
 * @example
 * const dispatch = new WatchDispatch(250, (agentId) => watchers.get(agentId) ?? []);
 * bus.subscribe((event) => {
 *   if (event.kind === 'requested') dispatch.requested(event);
 *   if (event.kind === 'session') dispatch.changed(event);
 * });
 */
export class WatchDispatch {
  readonly #graceMs: number;
  readonly #socketsOf: (agentId: number) => Iterable<WatchSocket>;
  /** session id → the push owed to the agent's other sockets. */
  readonly #owed = new Map<number, Owed>();
  /** socket → the turn it was last chosen first on; never chosen comes before all. */
  readonly #chosenOn = new WeakMap<WatchSocket, number>();
  #turn = 0;

  constructor(graceMs: number, socketsOf: (agentId: number) => Iterable<WatchSocket>) {
    this.#graceMs = graceMs;
    this.#socketsOf = socketsOf;
  }

  /** A session was requested for an agent: tells one of its sockets, or all of them. */
  requested(event: Requested): void {
    const sockets = [...this.#socketsOf(event.agentId)];
    if (this.#graceMs === 0 || sockets.length < 2) {
      for (const socket of sockets) socket.onEvent(event);
      return;
    }
    const first = this.#choose(sockets);
    first.onEvent(event);
    const timer = setTimeout(() => this.#tellOthers(event.sessionId), this.#graceMs);
    timer.unref();
    this.#owed.set(event.sessionId, { first, event, timer });
  }

  /** A session changed: once it is no longer requested, the others are owed nothing. */
  changed(event: SessionChanged): void {
    const owed = this.#owed.get(event.sessionId);
    if (!owed) return;
    if (!event.session) {
      // Too large to carry: the sockets read the session when the grace ends.
      const { kind, sessionId, agentId } = owed.event;
      owed.event = { kind, sessionId, agentId };
    } else if (event.session.status !== 'requested') {
      clearTimeout(owed.timer);
      this.#owed.delete(event.sessionId);
    }
  }

  /** A watch socket closed: what it was told first goes to the agent's others now. */
  closed(socket: WatchSocket): void {
    for (const [sessionId, owed] of this.#owed) {
      if (owed.first === socket) this.#tellOthers(sessionId);
    }
  }

  /** Forgets every owed push (the transport is closing). */
  close(): void {
    for (const owed of this.#owed.values()) clearTimeout(owed.timer);
    this.#owed.clear();
  }

  #choose(sockets: readonly WatchSocket[]): WatchSocket {
    let chosen = sockets[0]!;
    for (const socket of sockets) {
      if ((this.#chosenOn.get(socket) ?? 0) < (this.#chosenOn.get(chosen) ?? 0)) chosen = socket;
    }
    this.#chosenOn.set(chosen, ++this.#turn);
    return chosen;
  }

  #tellOthers(sessionId: number): void {
    const owed = this.#owed.get(sessionId);
    if (!owed) return;
    clearTimeout(owed.timer);
    this.#owed.delete(sessionId);
    for (const socket of this.#socketsOf(owed.event.agentId)) {
      if (socket !== owed.first) socket.onEvent(owed.event);
    }
  }
}
