import type { AgentRealtimeSession, RealtimeSignal } from '@agentmc/contract';

/**
 * What one replica tells the others (and itself). A `signal` or `session` event may come without
 * its record when the record was too large to carry: receivers then read it from the store,
 * which is the truth anyway; the events only say "look now".
 */
export type RealtimeEvent =
  | {
      readonly kind: 'signal';
      readonly sessionId: number;
      readonly id: number;
      readonly seq: number;
      readonly signal?: RealtimeSignal;
      readonly idempotencyKey?: string | null;
    }
  | {
      readonly kind: 'session';
      readonly sessionId: number;
      readonly session?: AgentRealtimeSession;
    }
  | {
      readonly kind: 'requested';
      readonly sessionId: number;
      readonly agentId: number;
      readonly session?: AgentRealtimeSession;
    }
  /**
   * A key was revoked (`keyId`) or an agent disabled (`agentId`): every socket that came
   * through that key, or speaks for that agent, closes.
   */
  | { readonly kind: 'revoked'; readonly keyId: number | null; readonly agentId: number | null }
  /**
   * Which agents a replica holds watch sockets for: `online` came (or are still there),
   * `offline` went. Its word lapses after `ttlSeconds`; `hello` asks the others to repeat theirs.
   */
  | {
      readonly kind: 'presence';
      readonly replica: string;
      readonly online: readonly number[];
      readonly offline: readonly number[];
      readonly ttlSeconds: number;
      readonly hello?: boolean;
    }
  /** Events may have been missed (the listener reconnected): every socket re-reads. */
  | { readonly kind: 'resync' };

export type RealtimeEventHandler = (event: RealtimeEvent) => void;

/**
 * Fan-out between replicas: every event published on any replica reaches every subscriber on
 * every replica, the publisher's own included. Delivery is at most once and may reorder; the
 * sockets repair both from the store, using the per-session seq.
 */
export interface RealtimeBus {
  publish(event: RealtimeEvent): void;
  subscribe(handler: RealtimeEventHandler): () => void;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Fans events out to this process's subscribers: one replica (SQLite), or tests. */
export class InProcessBus implements RealtimeBus {
  readonly #handlers = new Set<RealtimeEventHandler>();

  publish(event: RealtimeEvent): void {
    deliver(this.#handlers, event);
  }

  subscribe(handler: RealtimeEventHandler): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.#handlers.clear();
    return Promise.resolve();
  }
}

/** Calls each handler; one handler's failure never stops the others. */
export function deliver(handlers: Iterable<RealtimeEventHandler>, event: RealtimeEvent): void {
  for (const handler of handlers) {
    try {
      handler(event);
    } catch {
      // A handler reports its own failures; the bus keeps delivering.
    }
  }
}
