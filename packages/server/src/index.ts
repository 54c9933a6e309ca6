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
export type {
  Store,
  IdentityStore,
  SessionStore,
  SignalStore,
  EventLog,
  Principal,
  ClaimOutcome,
  StatusChange,
} from './store/store.js';
export type { Database } from './store/schema.js';
export { StoreUnavailableError } from './store/errors.js';
export { systemClock, formatTimestamp, type Clock } from './lib/clock.js';
export { generateApiKey, hashApiKey } from './lib/api-keys.js';
export { Sessions, type SessionsConfig } from './sessions/sessions.js';
export { SocketSessions, type Admission } from './sessions/socket-sessions.js';
export type { Actor, AgentActor, PersonActor, Requester } from './sessions/actor.js';
export { TicketSigner, type TicketClaims } from './sessions/tickets.js';
export { Realtime, type RealtimeOptions } from './realtime/realtime.js';
export { InProcessBus, type RealtimeBus, type RealtimeEvent } from './events/bus.js';
export { PgBus, type PgBusOptions } from './events/pg-bus.js';
export { LogBus, type LogBusOptions } from './events/log-bus.js';
export { busFor } from './events/open-bus.js';
export { ApiError } from './errors/api-error.js';
export { toApiError } from './errors/to-api-error.js';
