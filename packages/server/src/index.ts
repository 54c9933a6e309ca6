export {
  createApp,
  listen,
  type App,
  type AppConfig,
  type AppDeps,
  type RunningServer,
} from './app.js';
export { loadConfig, ConfigError, type RealtimeConfig, type ServerConfig } from './config.js';
export { createLogger, type Logger } from './logger.js';
export { openStore, isPostgresUrl, type OpenStoreOptions } from './store/open-store.js';
export { KyselyStore } from './store/kysely-store.js';
export type { Store, Principal, ClaimOutcome } from './store/store.js';
export { StoreUnavailableError } from './store/errors.js';
export { systemClock, formatTimestamp, type Clock } from './domain/clock.js';
export { generateApiKey, hashApiKey } from './domain/api-keys.js';
export { Realtime, type RealtimeOptions } from './realtime/realtime.js';
export { InProcessBus, type RealtimeBus, type RealtimeEvent } from './realtime/bus.js';
export { PgBus, type PgBusOptions } from './realtime/pg-bus.js';
export { TicketSigner, type TicketClaims } from './realtime/tickets.js';
