import { createHash, randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Logger } from '../logger.js';
import { deliver, type RealtimeBus, type RealtimeEvent, type RealtimeEventHandler } from './bus.js';

/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more; stay well under. */
const MAX_NOTIFY_BYTES = 7_500;
/** Notifications sent by one statement at most. */
const MAX_BATCH = 64;
const RECONNECT_MIN_MS = 200;
const RECONNECT_MAX_MS = 5_000;
/** Every query of the bus, and every connection attempt, fail past this. */
const QUERY_TIMEOUT_MS = 5_000;
/**
 * How often the listening connection proves it is alive. A connection that went silent (a
 * black-holed network, a host that vanished) raises no error for many minutes of TCP timeouts,
 * and hears nothing meanwhile; a query that goes unanswered finds out.
 */
const HEALTH_CHECK_MS = 10_000;
/** How the listening connection shows in `pg_stat_activity`. */
export const LISTENER_APPLICATION_NAME = 'agentmc-realtime-listener';

export interface PgBusOptions {
  readonly connectionString: string;
  /** The store's schema: replicas of one schema share a channel, other schemas never hear it. */
  readonly schema?: string | undefined;
  readonly logger: Logger;
  /** Every query of the bus fails past this (default 5 s). */
  readonly queryTimeoutMs?: number;
  /** How often the listening connection proves it is alive (default 10 s). */
  readonly healthCheckMs?: number;
}

/**
 * Fan-out across replicas with PostgreSQL LISTEN/NOTIFY. One dedicated connection listens and
 * reconnects with backoff when it drops, then asks every socket to re-read (`resync`), since
 * notifications sent meanwhile are lost. Publishing goes through a small pool of its own; this
 * replica's own subscribers are called directly, without the round trip.
 */
export class PgBus implements RealtimeBus {
  readonly channel: string;
  readonly #origin = randomUUID();
  readonly #options: PgBusOptions;
  readonly #handlers = new Set<RealtimeEventHandler>();
  readonly #publisher: pg.Pool;
  #listener: pg.Client | undefined;
  #closed = false;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #healthTimer: NodeJS.Timeout | undefined;
  #reconnectDelay = RECONNECT_MIN_MS;
  /** NOTIFYs on their way: `close` waits for them, so a short-lived publisher (the CLI) loses none. */
  readonly #sending = new Set<Promise<unknown>>();
  /** Payloads published in this turn of the event loop, sent together at its end. */
  #batch: string[] = [];

  constructor(options: PgBusOptions) {
    this.#options = options;
    this.channel = channelFor(options.schema);
    this.#publisher = new pg.Pool({
      connectionString: options.connectionString,
      max: 2,
      connectionTimeoutMillis: options.queryTimeoutMs ?? QUERY_TIMEOUT_MS,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      // pool.query hands a timed-out connection back as failed: the pool drops it.
      query_timeout: options.queryTimeoutMs ?? QUERY_TIMEOUT_MS,
    });
    this.#publisher.on('error', (error) =>
      options.logger.warn({ err: error }, 'realtime bus: publisher connection lost'),
    );
  }

  /**
   * Starts listening. A process that only publishes (the admin CLI) need not call it. Never
   * fails: a database that is not there yet is retried with backoff, as after a drop.
   */
  async start(): Promise<void> {
    this.#healthTimer = setInterval(
      () => this.#checkHealth(),
      this.#options.healthCheckMs ?? HEALTH_CHECK_MS,
    );
    this.#healthTimer.unref();
    try {
      await this.#connect();
    } catch (error) {
      this.#options.logger.warn({ err: error }, 'realtime bus: cannot listen yet');
      this.#scheduleReconnect();
    }
  }

  /**
   * Delivers here at once, and to the other replicas with the other events of this turn of the
   * event loop: a claim publishes two (its signal and the session), and a busy replica many
   * more, and each NOTIFY statement was a round trip and a turn at PostgreSQL's notification
   * lock. One statement of several `pg_notify` calls sends them all, each its own
   * notification as before, so replicas of an older version hear them alike.
   */
  publish(event: RealtimeEvent): void {
    deliver(this.#handlers, event);
    if (this.#batch.length === 0) {
      const flushed = new Promise<void>((resolve) => setImmediate(resolve)).then(() =>
        this.#flush(),
      );
      this.#sending.add(flushed);
      void flushed.finally(() => this.#sending.delete(flushed));
    }
    this.#batch.push(encode(this.#origin, event));
  }

  async #flush(): Promise<void> {
    const batch = this.#batch;
    this.#batch = [];
    for (let start = 0; start < batch.length; start += MAX_BATCH) {
      const payloads = batch.slice(start, start + MAX_BATCH);
      const calls = payloads.map((_, i) => `pg_notify($1, $${i + 2})`).join(', ');
      await this.#publisher
        .query(`select ${calls}`, [this.channel, ...payloads])
        .catch((error: unknown) =>
          this.#options.logger.warn({ err: error }, 'realtime bus: notify failed'),
        );
    }
  }

  subscribe(handler: RealtimeEventHandler): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#reconnectTimer);
    clearInterval(this.#healthTimer);
    this.#handlers.clear();
    const listener = this.#listener;
    this.#listener = undefined;
    await Promise.allSettled([...this.#sending]);
    await Promise.allSettled([listener?.end(), this.#publisher.end()]);
  }

  async #connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.#options.connectionString,
      connectionTimeoutMillis: this.#options.queryTimeoutMs ?? QUERY_TIMEOUT_MS,
      query_timeout: this.#options.queryTimeoutMs ?? QUERY_TIMEOUT_MS,
      keepAlive: true,
      application_name: LISTENER_APPLICATION_NAME,
    });
    client.on('notification', (message) => {
      if (message.channel !== this.channel || !message.payload) return;
      const event = decode(this.#origin, message.payload);
      if (event) deliver(this.#handlers, event);
    });
    // Errors before the client listens are its connect's or its LISTEN's: they reject below.
    client.on('error', (error) => this.#lost(client, error));
    client.on('end', () => this.#lost(client));
    try {
      await client.connect();
      await client.query(`listen "${this.channel}"`);
    } catch (error) {
      destroy(client);
      throw error;
    }
    if (this.#closed) {
      await client.end();
      return;
    }
    this.#listener = client;
    this.#reconnectDelay = RECONNECT_MIN_MS;
  }

  /** The listening connection failed, ended or went silent: drop it and listen anew. */
  #lost(client: pg.Client, error?: Error): void {
    if (this.#listener !== client) return;
    this.#listener = undefined;
    destroy(client);
    if (error) this.#options.logger.warn({ err: error }, 'realtime bus: listener lost');
    this.#scheduleReconnect();
  }

  #checkHealth(): void {
    const client = this.#listener;
    if (!client) return;
    client.query('select 1').catch((error: unknown) => {
      this.#lost(client, error instanceof Error ? error : new Error(String(error)));
    });
  }

  #scheduleReconnect(): void {
    if (this.#closed) return;
    const delay = this.#reconnectDelay;
    this.#reconnectDelay = Math.min(RECONNECT_MAX_MS, delay * 2);
    this.#reconnectTimer = setTimeout(() => {
      this.#connect()
        .then(() => {
          if (this.#listener) deliver(this.#handlers, { kind: 'resync' });
        })
        .catch((error: unknown) => {
          this.#options.logger.warn({ err: error }, 'realtime bus: reconnect failed');
          this.#scheduleReconnect();
        });
    }, delay);
    this.#reconnectTimer.unref();
  }
}

/** Closes a client at once, whatever state its connection is in. */
function destroy(client: pg.Client): void {
  (
    client as unknown as { connection?: { stream?: { destroy(): void } } }
  ).connection?.stream?.destroy();
  client.end().catch(() => undefined);
}

/** A channel name per schema: lower case, at most 63 bytes, safe to quote. */
export function channelFor(schema: string | undefined): string {
  const name = `agentmc_realtime_${(schema ?? 'public').toLowerCase()}`;
  if (/^[a-z0-9_]{1,63}$/.test(name)) return name;
  const digest = createHash('sha256')
    .update(schema ?? '')
    .digest('hex')
    .slice(0, 24);
  return `agentmc_realtime_${digest}`;
}

function encode(origin: string, event: RealtimeEvent): string {
  const full = JSON.stringify({ o: origin, e: event });
  if (Buffer.byteLength(full) <= MAX_NOTIFY_BYTES) return full;
  // Too large to carry: send only what says where to look.
  const slim: RealtimeEvent =
    event.kind === 'signal'
      ? { kind: 'signal', sessionId: event.sessionId, id: event.id, seq: event.seq }
      : event.kind === 'session'
        ? { kind: 'session', sessionId: event.sessionId }
        : event.kind === 'requested'
          ? { kind: 'requested', sessionId: event.sessionId, agentId: event.agentId }
          : event;
  return JSON.stringify({ o: origin, e: slim });
}

function decode(origin: string, payload: string): RealtimeEvent | undefined {
  try {
    const message = JSON.parse(payload) as { o?: unknown; e?: RealtimeEvent };
    // This replica's own events were already delivered when published.
    if (message.o === origin || !message.e || typeof message.e.kind !== 'string') return undefined;
    return message.e;
  } catch {
    return undefined;
  }
}
