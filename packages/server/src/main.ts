#!/usr/bin/env node
import { createApp, listen } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { PgBus } from './realtime/pg-bus.js';
import { isPostgresUrl, openStore } from './store/open-store.js';

// The only module of the server that reads the environment.
let config;
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
const store = await openStore({
  databaseUrl: config.databaseUrl,
  poolSize: config.databasePoolSize,
  ...(config.databaseSchema ? { schema: config.databaseSchema } : {}),
  onBackgroundError: (error) => logger.warn({ err: error }, 'database connection lost'),
}).catch((error: unknown) => {
  // A database that is not there at start is an operator's problem to see at once, in one line.
  logger.fatal(
    { err: error, database: redactUrl(config.databaseUrl) },
    'could not open the database',
  );
  process.exit(1);
});
// On PostgreSQL, replicas share their realtime events through LISTEN/NOTIFY.
const bus = isPostgresUrl(config.databaseUrl)
  ? new PgBus({ connectionString: config.databaseUrl, schema: config.databaseSchema, logger })
  : undefined;
await bus?.start();
if (bus && !config.realtime.ticketSecret) {
  logger.warn(
    'REALTIME_TICKET_SECRET is not set: websocket tickets only open sockets on the replica that issued them',
  );
}
const app = createApp(config, { store, logger, ...(bus ? { bus } : {}) });
const running = await listen(app, config);
logger.info(
  {
    url: `${running.origin}/api/v1`,
    store: store.dialect,
    database: redactUrl(config.databaseUrl),
  },
  'AgentMC server listening',
);

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  await running.close();
  await bus?.close();
  await store.close();
  logger.info('stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
