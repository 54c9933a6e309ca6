export { Agent, createAgent, type AgentOptions } from './agent.js';
export { Backoff, sleep } from '@agentmc/api';
export { AgentConfigError, loadAgentConfig, type AgentConfig } from './config.js';
export { AgentAuthError } from './errors.js';
export { createJsonLogger, LOG_LEVELS, type AgentLogger, type LogLevel } from './logger.js';
export { logOnlyHandler, type ClaimContext, type SessionHandler } from './session-handler.js';
