import { AgentMCNetworkError, AgentMCUnexpectedResponseError, retryAfterMs } from '@agentmc/api';
import type { AgentLogger } from './logger.js';

/** How long to wait before the next request, after one that did not go through. */
export type FailureWait = 'failed' | { readonly retryAfterMs: number };

/** 429 and 503: wait as long as the API asks, or `fallbackMs` when it does not say. */
export function throttled(
  logger: AgentLogger,
  operation: string,
  response: { status: number; headers: Headers },
  fallbackMs: () => number,
  fields: Record<string, unknown> = {},
): { retryAfterMs: number } {
  const asked = retryAfterMs(response.headers);
  const waitMs = asked ?? fallbackMs();
  logger.warn(`${operation}.throttled`, {
    ...fields,
    status: response.status,
    retry_after_ms: asked ?? null,
    wait_ms: waitMs,
  });
  return { retryAfterMs: waitMs };
}

/**
 * No answer the contract describes (the network, a proxy): log it and say how long to wait.
 * Anything else is a bug, and is thrown again.
 */
export function requestFailed(
  logger: AgentLogger,
  operation: string,
  error: unknown,
  fields: Record<string, unknown> = {},
): FailureWait {
  if (error instanceof AgentMCNetworkError) {
    if (error.reason !== 'aborted') {
      logger.warn(`${operation}.unreachable`, {
        ...fields,
        reason: error.reason,
        error: error.message,
      });
    }
    return 'failed';
  }
  if (error instanceof AgentMCUnexpectedResponseError) {
    const asked = retryAfterMs(error.headers);
    logger.warn(`${operation}.unexpected_response`, {
      ...fields,
      status: error.status,
      error: error.message,
    });
    return asked === undefined ? 'failed' : { retryAfterMs: asked };
  }
  throw error;
}
