import { randomUUID } from 'node:crypto';
import {
  AgentMCNetworkError,
  AgentMCUnexpectedResponseError,
  Backoff,
  retryAfterMs,
  sleep,
  type AgentMCApi,
  type AgentRealtimeSession,
} from '@agentmc/api';
import { AgentAuthError } from './errors.js';
import { createJsonLogger, type AgentLogger } from './logger.js';
import { logOnlyHandler, type ClaimContext, type SessionHandler } from './session-handler.js';

export interface AgentOptions {
  /** The client; the agent uses nothing else to reach the API. */
  readonly api: AgentMCApi;
  readonly logger?: AgentLogger;
  /** What happens with a session after the claim; default {@link logOnlyHandler}. */
  readonly handler?: SessionHandler;
  /** First wait after an empty list (ms); it doubles per empty poll up to `pollMaxMs`. */
  readonly pollMinMs?: number;
  readonly pollMaxMs?: number;
  /** Wait before the next poll after a poll that found work; default 0, at once. */
  readonly pollAfterWorkMs?: number;
  /** Sessions fetched per poll, 1..100; default 20. */
  readonly listLimit?: number;
  /** Tries per claim when the network fails; each repeats the same Idempotency-Key. */
  readonly claimAttempts?: number;
  /** For tests: the randomness of the jitter. */
  readonly random?: () => number;
}

/** How a poll ended, and so how long to wait before the next. */
type PollOutcome = 'work' | 'idle' | 'failed' | { readonly retryAfterMs: number };
type ClaimOutcome = 'won' | 'lost' | 'failed';

/**
 * The sample agent: polls the sessions requested for it, claims them newest first, and hands
 * each session it wins to its {@link SessionHandler}.
 *
 * - Idle, it polls with exponential backoff and jitter; after a poll with work, again at once.
 * - A 409 or 404 on a claim means another claimer won: it moves on.
 * - 429 and 503 wait for `Retry-After`; network failures and other errors back off.
 * - A claim whose answer is lost (a timeout) is repeated with the same `Idempotency-Key`, which
 *   the API answers with 200 if that claim had won.
 * - 401 and 403 stop it: `start()` rejects with {@link AgentAuthError}.
 *
 * @example
 * const agent = new Agent({ api: new AgentMCApi({ apiKey: 'amc_…' }) });
 * process.once('SIGTERM', () => void agent.stop());
 * await agent.start(); // resolves once stopped
 */
export class Agent {
  readonly #api: AgentMCApi;
  readonly #logger: AgentLogger;
  readonly #handler: SessionHandler;
  readonly #idle: Backoff;
  readonly #pollAfterWorkMs: number;
  readonly #listLimit: number;
  readonly #claimAttempts: number;
  readonly #random: () => number;
  readonly #stopping = new AbortController();
  readonly #handlers = new Set<Promise<void>>();
  #running: Promise<void> | undefined;

  constructor(options: AgentOptions) {
    this.#api = options.api;
    this.#logger = options.logger ?? createJsonLogger();
    this.#handler = options.handler ?? logOnlyHandler;
    this.#random = options.random ?? Math.random;
    this.#idle = new Backoff(options.pollMinMs ?? 1_000, options.pollMaxMs ?? 30_000, this.#random);
    this.#pollAfterWorkMs = options.pollAfterWorkMs ?? 0;
    this.#listLimit = options.listLimit ?? 20;
    this.#claimAttempts = options.claimAttempts ?? 3;
  }

  /**
   * Runs until {@link stop} (resolves) or until the API refuses the key (rejects with
   * {@link AgentAuthError}). Calling it again returns the same run.
   */
  start(): Promise<void> {
    this.#running ??= this.#run();
    return this.#running;
  }

  /**
   * Stops polling: a wait is cut short, a list in flight is aborted, a claim in flight is let
   * finish (so a won session is not lost), then every handler's signal aborts and stop waits
   * for them. Resolves when all of it is done; safe to call more than once.
   */
  async stop(): Promise<void> {
    this.#stopping.abort();
    await this.#running?.catch(() => undefined);
    await Promise.allSettled([...this.#handlers]);
  }

  get #stopped(): boolean {
    return this.#stopping.signal.aborted;
  }

  async #run(): Promise<void> {
    this.#logger.info('agent.started', { base_url: this.#api.baseUrl, limit: this.#listLimit });
    try {
      while (!this.#stopped) {
        const outcome = await this.#poll();
        if (this.#stopped) break;
        await sleep(this.#waitAfter(outcome), this.#stopping.signal);
      }
    } finally {
      // Whatever ended the run, handlers are told to finish.
      this.#stopping.abort();
      await Promise.allSettled([...this.#handlers]);
      this.#logger.info('agent.stopped');
    }
  }

  #waitAfter(outcome: PollOutcome): number {
    if (outcome === 'work') {
      this.#idle.reset();
      return this.#pollAfterWorkMs;
    }
    if (typeof outcome === 'object') return outcome.retryAfterMs;
    return this.#idle.next();
  }

  async #poll(): Promise<PollOutcome> {
    let result;
    try {
      result = await this.#api.operations.listAgentRealtimeRequestedSessions({
        params: { query: { limit: this.#listLimit } },
        signal: this.#stopping.signal,
      });
    } catch (error) {
      return this.#requestFailed('list', error);
    }
    switch (result.status) {
      case 200:
        break;
      case 401:
      case 403:
        throw new AgentAuthError('listAgentRealtimeRequestedSessions', result.status, result.error);
      case 429:
      case 503:
        return this.#throttled('list', result.status, result.headers);
      default:
        this.#logger.warn('list.failed', { status: result.status, code: result.error.error.code });
        return 'failed';
    }

    const sessions = newestFirst(result.data.data);
    if (sessions.length === 0) return 'idle';
    this.#logger.debug('list.found', { count: sessions.length });
    let progressed = false;
    for (const session of sessions) {
      if (this.#stopped) break;
      const outcome = await this.#claim(session);
      if (outcome !== 'failed') progressed = true;
    }
    // Only a poll whose claims changed something earns an immediate re-poll; a batch of
    // failures would otherwise spin.
    return progressed ? 'work' : 'failed';
  }

  async #claim(session: AgentRealtimeSession): Promise<ClaimOutcome> {
    // One key per session for this agent: a repeated claim that had won answers 200 again.
    const idempotencyKey = `claim-${randomUUID()}`;
    const retry = new Backoff(250, 4_000, this.#random);
    for (let attempt = 1; ; attempt++) {
      let result;
      try {
        // No stop signal here: a claim in flight finishes, so a won session is never dropped.
        result = await this.#api.operations.claimAgentRealtimeSession({
          params: { path: { session: session.id } },
          body: {},
          headers: { 'idempotency-key': idempotencyKey },
        });
      } catch (error) {
        const outcome = this.#requestFailed('claim', error, { session_id: session.id, attempt });
        if (attempt >= this.#claimAttempts || this.#stopped) return 'failed';
        const waitMs = typeof outcome === 'object' ? outcome.retryAfterMs : retry.next();
        await sleep(waitMs, this.#stopping.signal);
        continue;
      }

      switch (result.status) {
        case 200:
          this.#won(result.data.data);
          return 'won';
        case 404:
        case 409:
          this.#logger.debug('session.lost', {
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
          const { retryAfterMs: waitMs } = this.#throttled('claim', result.status, result.headers, {
            session_id: session.id,
          });
          if (attempt >= this.#claimAttempts || this.#stopped) return 'failed';
          await sleep(waitMs, this.#stopping.signal);
          continue;
        }
        default:
          this.#logger.warn('claim.failed', {
            session_id: session.id,
            status: result.status,
            code: result.error.error.code,
          });
          return 'failed';
      }
    }
  }

  #won(session: AgentRealtimeSession): void {
    this.#logger.info('session.claimed', {
      session_id: session.id,
      agent_id: session.agent_id,
      team_id: session.team_id,
      requested_by_user_id: session.requested_by_user_id,
      claimed_at: session.claimed_at,
      expires_at: session.expires_at,
    });
    const context: ClaimContext = {
      api: this.#api,
      logger: this.#logger,
      signal: this.#stopping.signal,
    };
    const handling = (async () => {
      try {
        await this.#handler.onClaimed(session, context);
      } catch (error) {
        this.#logger.error('session.handler_failed', {
          session_id: session.id,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    })();
    this.#handlers.add(handling);
    void handling.finally(() => this.#handlers.delete(handling));
  }

  /** 429 or 503: wait as long as the API asks, or back off when it does not say. */
  #throttled(
    operation: string,
    status: number,
    headers: Headers,
    fields: Record<string, unknown> = {},
  ): { retryAfterMs: number } {
    const asked = retryAfterMs(headers);
    const waitMs = asked ?? this.#idle.next();
    this.#logger.warn(`${operation}.throttled`, {
      ...fields,
      status,
      retry_after_ms: asked ?? null,
      wait_ms: waitMs,
    });
    return { retryAfterMs: waitMs };
  }

  /** No answer the contract describes: log it, and say how long to wait. */
  #requestFailed(
    operation: string,
    error: unknown,
    fields: Record<string, unknown> = {},
  ): PollOutcome {
    if (error instanceof AgentMCNetworkError) {
      if (error.reason !== 'aborted') {
        this.#logger.warn(`${operation}.unreachable`, {
          ...fields,
          reason: error.reason,
          error: error.message,
        });
      }
      return 'failed';
    }
    if (error instanceof AgentMCUnexpectedResponseError) {
      const asked = retryAfterMs(error.headers);
      this.#logger.warn(`${operation}.unexpected_response`, {
        ...fields,
        status: error.status,
        error: error.message,
      });
      return asked === undefined ? 'failed' : { retryAfterMs: asked };
    }
    throw error;
  }
}

/**
 * Creates an {@link Agent}.
 *
 * @example
 * const agent = createAgent({ api: new AgentMCApi(), handler: myHandler });
 * await agent.start();
 */
export function createAgent(options: AgentOptions): Agent {
  return new Agent(options);
}

/** Newest first, by `created_at` then `id`, as the API sends them: kept even if it did not. */
function newestFirst(sessions: readonly AgentRealtimeSession[]): AgentRealtimeSession[] {
  return [...sessions].sort((a, b) =>
    a.created_at === b.created_at ? b.id - a.id : a.created_at < b.created_at ? 1 : -1,
  );
}
