import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { API_BASE_PATH, contract, createOpenApiDocument } from '@agentmc/contract';
import { createExpressEndpoints } from '@ts-rest/express';
import express, { type Express } from 'express';
import { DEFAULT_REALTIME_CONFIG, type RealtimeConfig, type ServerConfig } from './config.js';
import { systemClock, type Clock } from './domain/clock.js';
import { authenticate } from './http/auth.js';
import { errorMiddleware, notFound } from './http/error-middleware.js';
import { ServiceUnavailableError } from './http/errors.js';
import { rateLimit } from './http/rate-limit.js';
import { requestLog } from './http/request-log.js';
import { createRoutes } from './http/routes.js';
import { createLogger, type Logger } from './logger.js';
import type { RealtimeBus } from './realtime/bus.js';
import { Realtime } from './realtime/realtime.js';
import type { Store } from './store/store.js';

export type AppConfig = Pick<
  ServerConfig,
  'sessionTtlSeconds' | 'rateLimitPerMinute' | 'validateResponses' | 'bodyLimit'
> & {
  /** Realtime settings; each one left out takes its default. */
  readonly realtime?: Partial<RealtimeConfig>;
};

export interface AppDeps {
  readonly store: Store;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** Fan-out between replicas (PostgreSQL LISTEN/NOTIFY); in-process when absent. */
  readonly bus?: RealtimeBus;
}

/** The Express app, with the realtime half that `listen` attaches to the HTTP server. */
export type App = Express & { readonly realtime: Realtime };

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
  const openApiDocument = createOpenApiDocument();
  const realtime = new Realtime({
    config: { ...DEFAULT_REALTIME_CONFIG, ...config.realtime },
    store,
    clock,
    logger,
    bus: deps.bus,
  });

  const api = express.Router();
  api.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });
  createExpressEndpoints(
    contract,
    createRoutes({ store, clock, sessionTtlSeconds: config.sessionTtlSeconds, realtime }),
    api,
    {
      // Order matters: who is calling, then how often, then what they sent. An unauthenticated
      // caller never gets its body read.
      globalMiddleware: [
        authenticate(store),
        rateLimit(config.rateLimitPerMinute),
        // Every body is JSON, whatever its Content-Type says, so a text body cannot slip past
        // validation as "no body".
        express.json({ limit: config.bodyLimit, strict: true, type: () => true }),
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
  app.use(requestLog(logger));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res, next) => {
    store
      .ping()
      .then(() => res.json({ status: 'ok', store: store.dialect }))
      .catch((error: unknown) => next(new ServiceUnavailableError(2, { cause: error })));
  });
  app.use(API_BASE_PATH, api);
  app.use(notFound);
  app.use(errorMiddleware(logger, config.bodyLimit));
  return Object.assign(app, { realtime });
}

export interface RunningServer {
  readonly server: http.Server;
  /** `http://host:port` with the port actually bound. */
  readonly origin: string;
  /** Stops accepting, lets in-flight requests finish (up to the grace period), then returns. */
  close(): Promise<void>;
}

/**
 * Listens with an app on a port (0 picks a free one), with its websockets, sweeper and pings
 * when it is an {@link App}.
 */
export async function listen(
  app: Express & { readonly realtime?: Realtime },
  options: { port: number; host: string; shutdownGraceSeconds?: number },
): Promise<RunningServer> {
  const server = http.createServer(app);
  // Keep-alive sockets outlive a load balancer's idle timeout, never the other way round.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  app.realtime?.attach(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  const graceMs = (options.shutdownGraceSeconds ?? 10) * 1000;
  let closing: Promise<void> | undefined;
  return {
    server,
    origin: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close() {
      // Sockets first: they are told to go elsewhere, and the sweeper stops, before the HTTP
      // server drains its requests.
      closing ??= (app.realtime?.close() ?? Promise.resolve()).then(
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
      );
      return closing;
    },
  };
}
