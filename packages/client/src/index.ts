export { AgentMCApi, type AgentMCApiOptions } from './agentmc-api.js';
export {
  createApiClient,
  DEFAULT_TIMEOUT_MS,
  type ApiClient,
  type ApiClientArgs,
  type ApiClientOptions,
} from './api-client.js';
export { Backoff, sleep } from './backoff.js';
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
export { retryAfterMs } from './retry-after.js';
export type {
  AgentRealtimeSession,
  ConflictDetails,
  Contract,
  ErrorCode,
  ErrorEnvelope,
  OperationId,
  SessionStatus,
} from '@agentmc/contract';
