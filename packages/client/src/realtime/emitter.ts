/** Event name → the value its listeners get. */
export type EventMap = Record<string, unknown>;

type Listener<T> = (value: T) => void;

/**
 * A small typed event emitter that behaves the same in Node and in browsers. A listener that
 * throws does not stop the others or the connection: its error is reported asynchronously,
 * the way a browser reports an exception thrown by an event listener.
 *
 * @example
 * const events = new Emitter<{ tick: number; end: void }>();
 * const off = events.on('tick', (n) => console.log(n));
 * events.emit('tick', 1);
 * off();
 */
export class Emitter<Events extends EventMap> {
  readonly #listeners = new Map<keyof Events, Set<Listener<never>>>();

  /** Calls `listener` for every `event` from now on; returns a function that stops it. */
  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  emit<K extends keyof Events>(event: K, value: Events[K]): void {
    for (const listener of [...(this.#listeners.get(event) ?? [])]) {
      try {
        (listener as Listener<Events[K]>)(value);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  /**
   * The next `event` whose value matches. Rejects when `end` is emitted first (with the error
   * `endError` makes of its value), or when `signal` aborts.
   */
  next<K extends keyof Events, E extends keyof Events>(
    event: K,
    options: {
      match?: ((value: Events[K]) => boolean) | undefined;
      end: E;
      endError: (value: Events[E]) => Error;
      signal?: AbortSignal | undefined;
    },
  ): Promise<Events[K]> {
    return new Promise((resolve, reject) => {
      if (options.signal?.aborted) return reject(options.signal.reason);
      const done = () => {
        offEvent();
        offEnd();
        options.signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        done();
        reject(options.signal?.reason);
      };
      const offEvent = this.on(event, (value) => {
        if (options.match && !options.match(value)) return;
        done();
        resolve(value);
      });
      const offEnd = this.on(options.end, (value) => {
        done();
        reject(options.endError(value));
      });
      options.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Every `event` from now on, as an async iterator that finishes when `end` is emitted (at once
   * when `ended` says it already was). Values wait in order until they are read; breaking out of
   * the loop stops listening.
   */
  iterate<K extends keyof Events>(
    event: K,
    end: keyof Events,
    ended = false,
  ): AsyncIterableIterator<Events[K]> {
    const buffered: Events[K][] = [];
    let wake: (() => void) | undefined;
    const stop = () => {
      ended = true;
      offEvent();
      offEnd();
      wake?.();
    };
    const offEvent = this.on(event, (value) => {
      buffered.push(value);
      wake?.();
    });
    const offEnd = this.on(end, stop);
    if (ended) stop();
    const iterator: AsyncIterableIterator<Events[K]> = {
      async next(): Promise<IteratorResult<Events[K]>> {
        while (buffered.length === 0 && !ended) {
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
        }
        if (buffered.length > 0) return { value: buffered.shift()!, done: false };
        return { value: undefined, done: true };
      },
      return(): Promise<IteratorResult<Events[K]>> {
        stop();
        buffered.length = 0;
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }
}
