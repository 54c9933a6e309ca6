import { SESSION_STATUSES } from '@agentmc/contract';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { SessionsObserver } from '../sessions/sessions.js';
import type { Store } from '../store/store.js';

/** What the metrics read at scrape time, rather than count as things happen. */
export interface MetricsSources {
  readonly store: Store;
  /** Open websockets, per kind. */
  readonly openSockets: () => { sessions: number; watchers: number };
}

/**
 * The server's Prometheus metrics, in a registry of its own (two apps in one process, as in the
 * tests, never share counters). HTTP requests are observed by the request log, claims and
 * signals by the sessions layer through {@link Metrics.observer}; sessions by status, open
 * sockets and the database's counters are read when scraped.
 *
 * @example
 * const metrics = new Metrics({ store, openSockets: () => realtime.sockets.counts });
 * res.type(metrics.contentType).send(await metrics.scrape());
 */
export class Metrics {
  readonly registry = new Registry();
  readonly #requests: Counter<'route' | 'method' | 'status'>;
  readonly #duration: Histogram<'route' | 'method' | 'status'>;
  readonly #claims: Counter<'outcome'>;
  readonly #dispatch: Histogram;
  readonly #signals: Counter<'sender'>;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.#requests = new Counter({
      name: 'agentmc_http_requests_total',
      help: 'HTTP requests answered, by route (the contract path), method and status.',
      labelNames: ['route', 'method', 'status'],
      registers,
    });
    this.#duration = new Histogram({
      name: 'agentmc_http_request_duration_seconds',
      help: 'Time from a request arriving to its response finishing.',
      labelNames: ['route', 'method', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.#claims = new Counter({
      name: 'agentmc_claims_total',
      help: 'Claims of requested sessions: won, or lost (someone else holds it, ended, expired).',
      labelNames: ['outcome'],
      registers,
    });
    for (const outcome of ['won', 'lost']) this.#claims.inc({ outcome }, 0);
    this.#dispatch = new Histogram({
      name: 'agentmc_dispatch_latency_seconds',
      help: 'From a session being requested to its claim (whole seconds, from the session record).',
      buckets: [0, 1, 2, 5, 10, 30, 60, 120, 300, 600],
      registers,
    });
    this.#signals = new Counter({
      name: 'agentmc_signals_written_total',
      help: 'Signals written, by sender (agent, browser, system).',
      labelNames: ['sender'],
      registers,
    });
    new Gauge({
      name: 'agentmc_open_sockets',
      help: 'Open websockets on this replica, by kind (session, watch).',
      labelNames: ['kind'],
      registers,
      collect() {
        const counts = sources.openSockets();
        this.set({ kind: 'session' }, counts.sessions);
        this.set({ kind: 'watch' }, counts.watchers);
      },
    });
    new Gauge({
      name: 'agentmc_sessions',
      help: 'Realtime sessions in the database, by status (every replica reports the same).',
      labelNames: ['status'],
      registers,
      async collect() {
        // A scrape while the database is away reports what it can, not an error page.
        const counts = await sources.store.sessions.countByStatus().catch(() => undefined);
        if (!counts) return;
        for (const status of SESSION_STATUSES) this.set({ status }, counts[status] ?? 0);
      },
    });
    new Counter({
      name: 'agentmc_db_statement_errors_total',
      help: 'Database statements that failed (refused, or the database unreachable).',
      registers,
      collect() {
        this.reset();
        this.inc(sources.store.stats().statementErrors);
      },
    });
    new Gauge({
      name: 'agentmc_db_pool_connections',
      help: 'PostgreSQL pool connections: total, idle, and requests waiting for one.',
      labelNames: ['state'],
      registers,
      collect() {
        const pool = sources.store.stats().pool;
        if (!pool) return;
        this.set({ state: 'total' }, pool.size);
        this.set({ state: 'idle' }, pool.idle);
        this.set({ state: 'waiting' }, pool.waiting);
      },
    });
  }

  /** Hooks for the sessions layer: claims and signals as they happen. */
  readonly observer: SessionsObserver = {
    claimWon: (dispatchSeconds) => {
      this.#claims.inc({ outcome: 'won' });
      this.#dispatch.observe(Math.max(0, dispatchSeconds));
    },
    claimLost: () => this.#claims.inc({ outcome: 'lost' }),
    signalWritten: (sender) => this.#signals.inc({ sender }),
  };

  /** One answered HTTP request. `route` is the contract's path, never the raw URL. */
  observeRequest(labels: { route: string; method: string; status: number }, seconds: number): void {
    const l = { route: labels.route, method: labels.method, status: String(labels.status) };
    this.#requests.inc(l);
    this.#duration.observe(l, seconds);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text for one scrape. */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }
}
