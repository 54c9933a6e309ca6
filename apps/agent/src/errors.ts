import type { ErrorEnvelope } from '@agentmc/api';

/**
 * The API refused the agent's key (401) or what the key may do (403). Retrying cannot help, so
 * the agent stops: `start()` rejects with this error.
 */
export class AgentAuthError extends Error {
  readonly status: 401 | 403;
  readonly code: string;
  readonly operation: string;

  constructor(operation: string, status: 401 | 403, envelope: ErrorEnvelope) {
    const { code, message } = envelope.error;
    super(
      status === 401
        ? `the API rejected the API key (401 ${code}: ${message}) on ${operation}; check AGENTMC_API_KEY`
        : `the API key may not do this (403 ${code}: ${message}) on ${operation}; is it an agent's key, and is the agent enabled?`,
    );
    this.name = 'AgentAuthError';
    this.status = status;
    this.code = code;
    this.operation = operation;
  }
}
