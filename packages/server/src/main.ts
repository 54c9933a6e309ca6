#!/usr/bin/env node
import { createApp, listen } from './app.js';
import { ConfigError, loadConfig, type ServerConfig } from './config.js';
import { createLogger } from './logger.js';
import { busFor } from './events/open-bus.js';
import { isUnavailableError, StoreUnavailableError } from './store/errors.js';
import { openStore } from './store/open-store.js';

// The only module of the server that reads the environment.
let config: ServerConfig;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(2);
  }
  throw error;
}

const logger = createLogger(config.logLevel);
/**
 * How often the SQLite checkpointer copies the write-ahead log back (see store/checkpointer.ts).
 * Each copy ends with two fsyncs: once a second keeps a machine running many servers from
 * syncing its disk for each of them several times a second.
 */
const SQLITE_CHECKPOINT_INTERVAL_MS = 1_000;
const storeOptions = {
  databaseUrl: config.databaseUrl,
  poolSize: config.databasePoolSize,
  statementTimeoutMs: config.databaseStatementTimeoutMs,
  connectTimeoutMs: config.databaseConnectTimeoutMs,
  ...(config.databaseSchema ? { schema: config.databaseSchema } : {}),
  onBackgroundError: (error: Error) => logger.warn({ err: error }, 'database connection lost'),
  backgroundCheckpointMs: SQLITE_CHECKPOINT_INTERVAL_MS,
};
let stopping = false;
const store = await openWhenReachable();

/**
 * Opens the store and applies migrations. A database that is not there yet (it starts after us,
 * restarts, or drops the connection mid-migration) is waited for, with backoff; anything else
 * (a wrong password, a database that does not exist, a failed migration) is an operator's
 * problem to see at once, in one line, with exit code 1.
 */
async function openWhenReachable() {
  for (let delayMs = 250; ; delayMs = Math.min(delayMs * 2, 5_000)) {
    try {
      return await openStore(storeOptions);
    } catch (error) {
      const database = redactUrl(config.databaseUrl);
      if (!isUnavailableError(error) && !(error instanceof StoreUnavailableError)) {
        logger.fatal({ err: error, database }, 'could not open the database');
        process.exit(1);
      }
      logger.warn({ err: error, database, retryInMs: delayMs }, 'database unreachable; retrying');
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
// Every process of one database hears the others: LISTEN/NOTIFY on PostgreSQL, the event log
// on SQLite (replicas on one file, and the admin CLI beside a server).
const bus = busFor(store, {
  databaseUrl: config.databaseUrl,
  schema: config.databaseSchema,
  logger,
});
await bus.start();
if (store.dialect === 'postgres' && !config.realtime.ticketSecret) {
  logger.warn(
    'REALTIME_TICKET_SECRET is not set: websocket tickets only open sockets on the replica that issued them',
  );
}
const app = createApp(config, { store, logger, bus });
const running = await listen(app, config);
logger.info(
  {
    url: `${running.origin}/api/v1`,
    metrics: running.metricsOrigin ? `${running.metricsOrigin}/metrics` : 'off',
    pid: process.pid,
    store: store.dialect,
    database: redactUrl(config.databaseUrl),
    max_sockets: config.realtime.maxSockets,
    max_sockets_per_principal: config.realtime.maxSocketsPerPrincipal,
  },
  'AgentMC server listening',
);

async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  await running.close();
  await bus.close();
  await store.close();
  logger.info('stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
