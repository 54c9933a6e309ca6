import type { CreateRealtimeSignalBody, RealtimeSignal } from '@agentmc/contract';

/** A client's `signal` frame, always with an idempotency key. */
export interface OutgoingFrame {
  readonly type: 'signal';
  readonly signal: CreateRealtimeSignalBody & { readonly idempotency_key: string };
}

interface Entry {
  readonly frame: OutgoingFrame;
  readonly waiters: { resolve(signal: RealtimeSignal): void; reject(error: Error): void }[];
}

/** Confirmed keys remembered, so that a repeated send answers at once. */
const CONFIRMED_LIMIT = 1_000;

/**
 * The signals a connection has sent and the server has not confirmed yet, by idempotency key.
 * They are sent again after every reconnect, and settle when the sender's own signal comes back
 * on the stream (confirmed) or an `error` frame names their key (refused). The server answers a
 * repeated key with nothing new on the stream, so keys already confirmed are remembered and
 * answered here.
 */
export class Outbox {
  readonly #entries = new Map<string, Entry>();
  readonly #confirmed = new Map<string, RealtimeSignal>();

  /** The frames still to be confirmed, oldest first. */
  frames(): OutgoingFrame[] {
    return [...this.#entries.values()].map((entry) => entry.frame);
  }

  /**
   * Resolves when the frame's key is confirmed. `fresh` is true when the frame is new here (and
   * so is to be sent now); a key already waiting or confirmed joins that instead.
   */
  add(
    frame: OutgoingFrame,
    abort?: AbortSignal,
  ): { readonly fresh: boolean; readonly settled: Promise<RealtimeSignal> } {
    const key = frame.signal.idempotency_key;
    const confirmed = this.#confirmed.get(key);
    if (confirmed) return { fresh: false, settled: Promise.resolve(confirmed) };
    let entry = this.#entries.get(key);
    const fresh = !entry;
    if (!entry) this.#entries.set(key, (entry = { frame, waiters: [] }));
    const waiting = entry;
    const settled = new Promise<RealtimeSignal>((resolve, reject) => {
      if (abort?.aborted) return reject(abort.reason);
      const onAbort = () => {
        const index = waiting.waiters.indexOf(waiter);
        if (index >= 0) waiting.waiters.splice(index, 1);
        if (waiting.waiters.length === 0 && this.#entries.get(key) === waiting) {
          this.#entries.delete(key);
        }
        reject(abort?.reason);
      };
      const waiter = {
        resolve: (signal: RealtimeSignal) => (
          abort?.removeEventListener('abort', onAbort),
          resolve(signal)
        ),
        reject: (error: Error) => (abort?.removeEventListener('abort', onAbort), reject(error)),
      };
      waiting.waiters.push(waiter);
      abort?.addEventListener('abort', onAbort, { once: true });
    });
    return { fresh, settled };
  }

  /** The sender's own signal came back with its key. */
  confirm(key: string, signal: RealtimeSignal): void {
    this.#confirmed.set(key, signal);
    if (this.#confirmed.size > CONFIRMED_LIMIT) {
      this.#confirmed.delete(this.#confirmed.keys().next().value!);
    }
    const entry = this.#entries.get(key);
    this.#entries.delete(key);
    for (const waiter of entry?.waiters ?? []) waiter.resolve(signal);
  }

  /** The server refused the signal with this key; false when no send was waiting for it. */
  refuse(key: string, error: Error): boolean {
    const entry = this.#entries.get(key);
    if (!entry) return false;
    this.#entries.delete(key);
    for (const waiter of entry.waiters) waiter.reject(error);
    return true;
  }

  /** Every send still waiting fails with `error`. */
  failAll(error: Error): void {
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    for (const entry of entries) for (const waiter of entry.waiters) waiter.reject(error);
  }
}
