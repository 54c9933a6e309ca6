export { Agent, createAgent, type AgentOptions } from './agent.js';
export { Claimer, type ClaimOutcome, type ClaimSource } from './claimer.js';
export { Backoff, sleep } from '@agentmc/api';
export { AgentConfigError, loadAgentConfig, type AgentConfig } from './config.js';
export { AgentAuthError } from './errors.js';
export { createJsonLogger, LOG_LEVELS, type AgentLogger, type LogLevel } from './logger.js';
export { echoChat, type MessageContext, type MessageHandler } from './message-handler.js';
export {
  AGENT_SHUTDOWN_REASON,
  realtimeSessionHandler,
  type RealtimeHandlerOptions,
} from './realtime-handler.js';
export {
  logOnlyHandler,
  type ClaimContext,
  type ClaimedSession,
  type SessionHandler,
} from './session-handler.js';
