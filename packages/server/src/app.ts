import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { API_BASE_PATH, contract } from '@agentmc/contract';
import { createExpressEndpoints } from '@ts-rest/express';
import cors from 'cors';
import express, { type Express } from 'express';
import {
  DEFAULT_AUTH_FAILURES_PER_MINUTE,
  DEFAULT_REALTIME_CONFIG,
  type RealtimeConfig,
  type ServerConfig,
} from './config.js';
import { unavailable } from './errors/failures.js';
import { UNAVAILABLE_RETRY_AFTER_SECONDS } from './errors/to-api-error.js';
import { InProcessBus, type RealtimeBus } from './events/bus.js';
import { authenticate } from './http/auth.js';
import { sendJsonText } from './http/json-text.js';
import { answerClientError } from './http/client-error.js';
import { errorMiddleware, notFound } from './http/error-middleware.js';
import { rateLimit } from './http/rate-limit.js';
import { docsRouter } from './http/docs.js';
import { noteContractRoute, noteRoute, requestLog } from './http/request-log.js';
import { RECHECKING_ROUTES, createRoutes } from './http/routes.js';
import { systemClock, type Clock } from './lib/clock.js';
import { createLogger, type Logger } from './logger.js';
import { Metrics } from './metrics/metrics.js';
import { Realtime } from './realtime/realtime.js';
import { Budgets } from './sessions/budgets.js';
import { Sessions } from './sessions/sessions.js';
import { Sweeper } from './sessions/sweeper.js';
import type { Store } from './store/store.js';

export type AppConfig = Pick<
  ServerConfig,
  'sessionTtlSeconds' | 'rateLimitPerMinute' | 'validateResponses' | 'bodyLimit'
> &
  Partial<Pick<ServerConfig, 'corsOrigins' | 'webConsoleDir'>> & {
    /** Realtime settings; each one left out takes its default. */
    readonly realtime?: Partial<RealtimeConfig>;
    /** Failed authentications a minute per client address; 60 when left out, 0: no limit. */
    readonly authFailuresPerMinute?: number;
  };

export interface AppDeps {
  readonly store: Store;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /**
   * Fan-out between processes (PostgreSQL LISTEN/NOTIFY, or the SQLite event log); in-process
   * when absent. The caller starts and closes what it passes.
   */
  readonly bus?: RealtimeBus;
}

/**
 * The Express app, with the sessions layer every transport calls, the websocket transport that
 * `listen` attaches to the HTTP server, and the sweeper it starts.
 */
export type App = Express & {
  readonly sessions: Sessions;
  readonly realtime: Realtime;
  readonly sweeper: Sweeper;
  /** Served on a port of their own by {@link listen}, never on the API's. */
  readonly metrics: Metrics;
};

/**
 * The HTTP application: the contract's routes under `/api/v1`, the generated OpenAPI document,
 * and liveness/readiness probes. Tests call it directly; `main.ts` only adds a listener.
 *
 * @example
 * const store = await openStore({ databaseUrl: './data/agentmc.sqlite' });
 * const app = createApp(loadConfig(process.env), { store });
 * app.listen(3000);
 */
export function createApp(config: AppConfig, deps: AppDeps): App {
  const { store } = deps;
  const logger = deps.logger ?? createLogger('silent');
  const clock = deps.clock ?? systemClock;
  const realtimeConfig = { ...DEFAULT_REALTIME_CONFIG, ...config.realtime };
  const bus = deps.bus ?? new InProcessBus();
  const budgets = new Budgets({
    signalsPerMinute: realtimeConfig.signalsPerMinute,
    authFailuresPerMinute: config.authFailuresPerMinute ?? DEFAULT_AUTH_FAILURES_PER_MINUTE,
  });
  // The realtime transport is built after the sessions layer; the metrics read it when scraped.
  const metrics: Metrics = new Metrics({ store, openSockets: () => realtime.sockets.counts });
  const sessions = new Sessions({
    store,
    bus,
    clock,
    logger,
    config: { sessionTtlSeconds: config.sessionTtlSeconds, ...realtimeConfig },
    budgets,
    observer: metrics.observer,
  });
  const realtime: Realtime = new Realtime({
    config: realtimeConfig,
    sessions: sessions.sockets,
    bus,
    logger,
  });
  const sweeper = new Sweeper({
    sessions,
    logger,
    intervalSeconds: realtimeConfig.sweepIntervalSeconds,
  });

  const api = express.Router();
  // Web pages of the configured origins may call the API; a preflight is answered here, before
  // authentication (a browser sends none with it). Never `*`: the allowed origin is echoed.
  if (config.corsOrigins && config.corsOrigins.length > 0) {
    api.use(
      cors({
        origin: [...config.corsOrigins],
        credentials: false,
        methods: ['GET', 'POST'],
        allowedHeaders: ['Authorization', 'Content-Type', 'X-Api-Key', 'Idempotency-Key', 'Accept'],
        exposedHeaders: ['Retry-After', 'X-Request-Id'],
        maxAge: 600,
      }),
    );
  }
  api.use(docsRouter());
  createExpressEndpoints(
    contract,
    createRoutes(sessions, { ...realtimeConfig, serializeLists: !config.validateResponses }),
    api,
    {
      // Order matters: which route (for the log and metrics), who is calling, then how often, then
      // what they sent. An unauthenticated caller never gets its body read.
      globalMiddleware: [
        noteContractRoute(),
        authenticate(sessions.principals, budgets, clock, {
          recheckingRoutes: RECHECKING_ROUTES,
        }),
        rateLimit(config.rateLimitPerMinute),
        // Every body is JSON, whatever its Content-Type says, so a text body cannot slip past
        // validation as "no body". Never compressed: any Content-Encoding is refused with 415.
        express.json({ limit: config.bodyLimit, strict: true, type: () => true, inflate: false }),
      ],
      responseValidation: config.validateResponses,
      logInitialization: false,
      requestValidationErrorHandler: (error, _req, _res, next) => next(error),
    },
  );
  api.use(notFound);

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  sendJsonText(app);
  app.use(requestLog(logger, metrics));
  app.get('/healthz', noteRoute('/healthz'), (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', noteRoute('/readyz'), (_req, res, next) => {
    store
      .ping()
      .then(() => res.json({ status: 'ok', store: store.dialect }))
      .catch(() => next(unavailable(UNAVAILABLE_RETRY_AFTER_SECONDS)));
  });
  app.use(API_BASE_PATH, api);
  // The web console, when it is built: static files, `index.html` at `/`.
  if (config.webConsoleDir) app.use(express.static(config.webConsoleDir, { index: 'index.html' }));
  app.use(notFound);
  app.use(errorMiddleware(logger, config.bodyLimit));
  return Object.assign(app, { sessions, realtime, sweeper, metrics });
}

export interface RunningServer {
  readonly server: http.Server;
  /** `http://host:port` with the port actually bound. */
  readonly origin: string;
  /** `http://host:port` of the metrics listener, when there is one. */
  readonly metricsOrigin: string | undefined;
  /** Stops accepting, lets in-flight requests finish (up to the grace period), then returns. */
  close(): Promise<void>;
}

/**
 * Listens with an app on a port (0 picks a free one), with its websockets, sweeper and pings
 * when it is an {@link App}.
 */
export async function listen(
  app: Express & {
    readonly realtime?: Realtime;
    readonly sweeper?: Sweeper;
    readonly metrics?: Metrics;
  },
  options: {
    port: number;
    host: string;
    shutdownGraceSeconds?: number;
    /** Serve `GET /metrics` on this port of the same host (0: a free one); undefined: not at all. */
    metricsPort?: number | undefined;
  },
): Promise<RunningServer> {
  const server = http.createServer(app);
  server.on('clientError', answerClientError);
  // Keep-alive sockets outlive a load balancer's idle timeout, never the other way round.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  app.realtime?.attach(server);
  app.sweeper?.start();
  const metricsServer =
    app.metrics && options.metricsPort !== undefined
      ? http.createServer(metricsApp(app.metrics))
      : undefined;
  await bind(server, options.port, options.host);
  if (metricsServer) await bind(metricsServer, options.metricsPort!, options.host);
  const host = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  const originOf = (s: http.Server) =>
    `http://${host.includes(':') ? `[${host}]` : host}:${(s.address() as AddressInfo).port}`;
  const graceMs = (options.shutdownGraceSeconds ?? 10) * 1000;
  let closing: Promise<void> | undefined;
  return {
    server,
    origin: originOf(server),
    metricsOrigin: metricsServer ? originOf(metricsServer) : undefined,
    close() {
      // Sockets first: they are told to go elsewhere, and the sweeper stops, before the HTTP
      // server drains its requests. The metrics listener goes last: a drain can be watched.
      closing ??= Promise.all([app.sweeper?.stop(), app.realtime?.close()])
        .then(
          () =>
            new Promise<void>((resolve) => {
              const timer = setTimeout(() => server.closeAllConnections(), graceMs);
              timer.unref();
              server.close(() => {
                clearTimeout(timer);
                resolve();
              });
              server.closeIdleConnections();
            }),
        )
        .then(() => {
          if (!metricsServer) return;
          metricsServer.closeAllConnections();
          return new Promise<void>((resolve) => metricsServer.close(() => resolve()));
        });
      return closing;
    },
  };
}

function bind(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** `GET /metrics` in the Prometheus text format; anything else is the API's 404 envelope. */
function metricsApp(metrics: Metrics): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/metrics', (_req, res, next) => {
    metrics
      .scrape()
      .then((text) => res.setHeader('Content-Type', metrics.contentType).end(text), next);
  });
  app.use(notFound);
  app.use(errorMiddleware(createLogger('silent'), '1kb'));
  return app;
}
