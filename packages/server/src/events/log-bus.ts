import { randomUUID } from 'node:crypto';
import { systemClock, type Clock } from '../lib/clock.js';
import type { Logger } from '../logger.js';
import type { EventLog } from '../store/store.js';
import { deliver, type RealtimeBus, type RealtimeEvent, type RealtimeEventHandler } from './bus.js';

export interface LogBusOptions {
  readonly log: EventLog;
  /** Wall-clock seconds for the rows' age (not a test's moved clock: other processes prune by it). */
  readonly clock?: Clock;
  readonly logger: Logger;
  /** How often the log is read for other processes' events. */
  readonly pollMs?: number;
  /** Events are written in batches at most this often. */
  readonly flushMs?: number;
  /** Events older than this are deleted: a process away for longer resyncs anyway. */
  readonly retainSeconds?: number;
}

const PAGE = 500;

/**
 * Fan-out between processes that share one SQLite file (replicas, the admin CLI beside a
 * server), which have no channel but the file. Each process appends what it publishes to an
 * event log table, in small batches, and tails the others' rows. SQLite has one writer at a
 * time, so ids grow in commit order and a tail by id misses nothing. Its own subscribers are
 * called at once, like the in-process bus. A failed read asks every socket to re-read (`resync`).
 */
export class LogBus implements RealtimeBus {
  readonly #origin = randomUUID();
  readonly #options: Required<LogBusOptions>;
  readonly #handlers = new Set<RealtimeEventHandler>();
  #pending: { origin: string; payload: string; now: number }[] = [];
  #flushTimer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  #pollTimer: NodeJS.Timeout | undefined;
  #polling = false;
  #lastId = 0;
  #lastPruneAt = 0;
  #failed = false;
  #closed = false;

  constructor(options: LogBusOptions) {
    this.#options = {
      clock: systemClock,
      pollMs: 200,
      flushMs: 25,
      retainSeconds: 60,
      ...options,
    };
  }

  publish(event: RealtimeEvent): void {
    deliver(this.#handlers, event);
    if (this.#closed) return;
    this.#pending.push({
      origin: this.#origin,
      payload: JSON.stringify(event),
      now: this.#options.clock(),
    });
    this.#flushTimer ??= setTimeout(() => {
      this.#flushTimer = undefined;
      void this.#flush();
    }, this.#options.flushMs);
  }

  subscribe(handler: RealtimeEventHandler): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  /** Starts tailing the log from its end. A process that only publishes need not call it. */
  async start(): Promise<void> {
    this.#lastId = await this.#options.log.lastId();
    this.#pollTimer = setInterval(() => void this.#poll(), this.#options.pollMs);
    this.#pollTimer.unref();
  }

  /** Stops tailing and writes what is still pending. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#pollTimer);
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    await this.#flush();
    this.#handlers.clear();
  }

  /** Writes the pending batch; batches are written one after another. */
  #flush(): Promise<void> {
    this.#flushing = this.#flushing.then(async () => {
      const batch = this.#pending;
      this.#pending = [];
      if (batch.length === 0) return;
      try {
        await this.#options.log.append(batch);
      } catch (error) {
        // Other processes miss these events; their sockets repair from the store on resync.
        this.#options.logger.warn({ err: error, events: batch.length }, 'event log: write failed');
      }
    });
    return this.#flushing;
  }

  async #poll(): Promise<void> {
    if (this.#polling || this.#closed) return;
    this.#polling = true;
    try {
      for (;;) {
        const rows = await this.#options.log.after({
          afterId: this.#lastId,
          exceptOrigin: this.#origin,
          limit: PAGE,
        });
        if (this.#failed) {
          this.#failed = false;
          deliver(this.#handlers, { kind: 'resync' });
        }
        for (const row of rows) {
          this.#lastId = row.id;
          const event = parse(row.payload);
          if (event) deliver(this.#handlers, event);
        }
        if (rows.length < PAGE) break;
      }
      await this.#prune();
    } catch (error) {
      if (!this.#failed) this.#options.logger.warn({ err: error }, 'event log: read failed');
      this.#failed = true;
    } finally {
      this.#polling = false;
    }
  }

  async #prune(): Promise<void> {
    const now = this.#options.clock();
    if (now - this.#lastPruneAt < this.#options.retainSeconds) return;
    this.#lastPruneAt = now;
    await this.#options.log.prune(now - this.#options.retainSeconds);
  }
}

function parse(payload: string): RealtimeEvent | undefined {
  try {
    const event = JSON.parse(payload) as RealtimeEvent;
    return typeof event.kind === 'string' ? event : undefined;
  } catch {
    return undefined;
  }
}
