import { randomUUID } from 'node:crypto';
import { Backoff, sleep, type AgentMCApi, type AgentRealtimeSession } from '@agentmc/api';
import { requestFailed, throttled } from './api-failures.js';
import { AgentAuthError } from './errors.js';
import type { AgentLogger } from './logger.js';
import type { ClaimedSession } from './session-handler.js';

/** How a session came to the agent's attention. */
export type ClaimSource = 'watch' | 'poll';

/** `known`: the session is already being claimed, or was won or lost. */
export type ClaimOutcome = 'won' | 'lost' | 'failed' | 'known';

export interface ClaimerOptions {
  readonly api: AgentMCApi;
  readonly logger: AgentLogger;
  /** Tries per claim when the network fails or the API throttles. */
  readonly attempts: number;
  readonly random: () => number;
  /** Aborts waits between tries; a claim in flight is let finish. */
  readonly stopping: AbortSignal;
  /** A claim that won. */
  readonly onWon: (session: ClaimedSession, via: ClaimSource) => void;
}

/** Session ids remembered as won or lost, so that repeated pushes and polls claim once. */
const KNOWN_LIMIT = 10_000;

/**
 * Claims sessions one at a time, in the order they are offered, each at most once whether the
 * watch pushed it, the poll listed it, or both. A claim whose answer was lost is repeated with
 * the same `Idempotency-Key`, which the API answers with 200 if that claim had won. A claim that
 * failed (network, throttling) is forgotten, so that the next poll offers it again. 401 and 403
 * reject with {@link AgentAuthError}.
 */
export class Claimer {
  readonly #o: ClaimerOptions;
  readonly #known = new Set<number>();
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: ClaimerOptions) {
    this.#o = options;
  }

  /** Claims `session` after those offered before it; resolves with how that went. */
  offer(session: AgentRealtimeSession, via: ClaimSource): Promise<ClaimOutcome> {
    if (this.#known.has(session.id)) return Promise.resolve('known');
    this.#known.add(session.id);
    if (this.#known.size > KNOWN_LIMIT) this.#known.delete(this.#known.values().next().value!);
    const claimed = this.#queue.then(() =>
      this.#o.stopping.aborted ? ('failed' as const) : this.#claim(session, via),
    );
    this.#queue = claimed.catch(() => undefined);
    return claimed.then(
      (outcome) => {
        if (outcome === 'failed') this.#known.delete(session.id);
        return outcome;
      },
      (error: unknown) => {
        this.#known.delete(session.id);
        throw error;
      },
    );
  }

  async #claim(
    session: AgentRealtimeSession,
    via: ClaimSource,
  ): Promise<'won' | 'lost' | 'failed'> {
    const { api, logger, stopping } = this.#o;
    // One key per session: a repeated claim that had won answers 200 again.
    const idempotencyKey = `claim-${randomUUID()}`;
    const retry = new Backoff(250, 4_000, this.#o.random);
    for (let attempt = 1; ; attempt++) {
      let result;
      try {
        // No stop signal here: a claim in flight finishes, so a won session is never dropped.
        result = await api.operations.claimAgentRealtimeSession({
          params: { path: { session: session.id } },
          body: {},
          headers: { 'idempotency-key': idempotencyKey },
        });
      } catch (error) {
        const wait = requestFailed(logger, 'claim', error, { session_id: session.id, attempt });
        if (attempt >= this.#o.attempts || stopping.aborted) return 'failed';
        await sleep(typeof wait === 'object' ? wait.retryAfterMs : retry.next(), stopping);
        continue;
      }

      switch (result.status) {
        case 200:
          this.#o.onWon(result.data.data, via);
          return 'won';
        case 404:
        case 409:
          logger.debug('session.lost', {
            session_id: session.id,
            status: result.status,
            code: result.error.error.code,
            details: result.error.error.details,
          });
          return 'lost';
        case 401:
        case 403:
          throw new AgentAuthError('claimAgentRealtimeSession', result.status, result.error);
        case 429:
        case 503: {
          const wait = throttled(logger, 'claim', result, () => retry.next(), {
            session_id: session.id,
          });
          if (attempt >= this.#o.attempts || stopping.aborted) return 'failed';
          await sleep(wait.retryAfterMs, stopping);
          continue;
        }
        default:
          logger.warn('claim.failed', {
            session_id: session.id,
            status: result.status,
            code: result.error.error.code,
          });
          return 'failed';
      }
    }
  }
}
