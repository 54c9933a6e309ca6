export { AgentMCApi, type AgentMCApiOptions } from './agentmc-api.js';
export {
  createApiClient,
  DEFAULT_TIMEOUT_MS,
  type ApiClient,
  type ApiClientArgs,
  type ApiClientOptions,
} from './api-client.js';
export { Backoff, sleep } from './backoff.js';
export {
  CHAT_AGENT_DELTA,
  CHAT_AGENT_DONE,
  CHAT_MESSAGE_TYPES,
  CHAT_USER,
  ChatMessage,
  chatSignal,
  MESSAGE_SIGNAL_TYPE,
  readChatMessage,
  type ChatMessageType,
  type KnownChatMessageType,
} from '@agentmc/contract';
export { DEFAULT_BASE_URL } from './env.js';
export {
  AgentMCClientError,
  AgentMCNetworkError,
  AgentMCUnexpectedResponseError,
  type NetworkFailureReason,
} from './errors.js';
export {
  createOperations,
  type Operation,
  type OperationInput,
  type OperationParams,
  type OperationResult,
  type Operations,
} from './operations.js';
export {
  connectAgentSession,
  connectAgentWatch,
  connectPersonSession,
  connectRealtime,
  connectWatch,
  type SessionConnectOptions,
  type SessionWithTicket,
  type WatchConnectOptions,
} from './realtime/connect.js';
export {
  RealtimeClosedError,
  RealtimeProtocolError,
  RealtimeServerError,
  RealtimeSignalError,
  RealtimeTicketError,
} from './realtime/errors.js';
export type {
  ConnectionEnd,
  ConnectionState,
  LinkOptions,
  Reconnecting,
  ReconnectOptions,
  TicketSource,
} from './realtime/link.js';
export {
  RealtimeConnection,
  type OutgoingSignal,
  type RealtimeConnectionEnd,
  type RealtimeConnectionEvents,
  type RealtimeConnectionOptions,
  type SessionReady,
} from './realtime/realtime-connection.js';
export {
  agentSessionTickets,
  agentWatchTickets,
  personSessionTickets,
} from './realtime/tickets.js';
export {
  WatchConnection,
  type WatchConnectionEvents,
  type WatchReady,
} from './realtime/watch-connection.js';
export type { WebSocketConstructor, WebSocketLike } from './realtime/websocket.js';
export { retryAfterMs } from './retry-after.js';
export { TokenCache, type TokenSource } from './token-source.js';
export { setDefaultWebSocket } from './realtime/websocket.js';
export {
  isEndedStatus,
  SESSION_STATUS_SIGNAL_TYPE,
  SessionStatusSignalPayload,
} from '@agentmc/contract';
export type {
  BrowserToken,
  TeamAgent,
  AgentRealtimeSession,
  AgentRealtimeSessionWithSocket,
  ConflictDetails,
  Contract,
  CreateRealtimeSignalBody,
  ErrorCode,
  ErrorEnvelope,
  OperationId,
  RealtimeSignal,
  RealtimeTicket,
  SessionStatus,
} from '@agentmc/contract';
