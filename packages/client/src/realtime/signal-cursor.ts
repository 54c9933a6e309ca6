import type { RealtimeSignal } from '@agentmc/contract';

/**
 * Where one side stands in a session's signal stream: the last signal it delivered, and so the
 * next one it may deliver. The server streams in `seq` order without gaps once it has acted on a
 * `resume`; before that it may already stream live signals from further on. Those are skipped
 * (the resumed stream brings them again in their turn), and anything at or before the last
 * delivered signal is a repeat: so each signal is delivered once, in order.
 *
 * @example
 * const cursor = new SignalCursor(0);
 * cursor.opened(ready); // on every `ready`, before sending resume { after_id: cursor.lastId }
 * if (cursor.accept(signal)) deliver(signal);
 */
export class SignalCursor {
  #lastId: number;
  /** The seq of `#lastId`; unknown when starting from an id given without one. */
  #lastSeq: number | undefined;
  /** While `#lastSeq` is unknown: the stream's `last_seq` when the socket opened. */
  #openedAtSeq = 0;

  constructor(afterId: number) {
    this.#lastId = afterId;
    this.#lastSeq = afterId === 0 ? 0 : undefined;
  }

  /** The id of the last signal delivered (or the starting id): where a resume starts. */
  get lastId(): number {
    return this.#lastId;
  }

  /** A socket opened; `ready` says where the stream stood then. */
  opened(ready: { readonly last_signal_id: number; readonly last_seq: number }): void {
    if (this.#lastSeq === undefined && this.#lastId >= ready.last_signal_id) {
      this.#lastSeq = ready.last_seq;
    }
    this.#openedAtSeq = ready.last_seq;
  }

  /** Whether `signal` is the next to deliver; if so, the cursor moves past it. */
  accept(signal: RealtimeSignal): boolean {
    const next =
      this.#lastSeq !== undefined
        ? signal.seq === this.#lastSeq + 1
        : // Starting from an id whose seq is unknown: the resumed stream starts at or before
          // the seq the socket opened at, while live signals start after it.
          signal.id > this.#lastId && signal.seq <= this.#openedAtSeq;
    if (!next) return false;
    this.#lastId = signal.id;
    this.#lastSeq = signal.seq;
    return true;
  }
}
