import {
  Backoff,
  connectAgentWatch,
  sleep,
  type AgentMCApi,
  type AgentRealtimeSession,
  type ReconnectOptions,
  type WatchConnection,
  type WebSocketConstructor,
} from '@agentmc/api';
import { requestFailed, throttled, type FailureWait } from './api-failures.js';
import { Claimer, type ClaimSource } from './claimer.js';
import { AgentAuthError } from './errors.js';
import { createJsonLogger, type AgentLogger } from './logger.js';
import { realtimeSessionHandler } from './realtime-handler.js';
import type { ClaimContext, ClaimedSession, SessionHandler } from './session-handler.js';

export interface AgentOptions {
  /** The client; the agent uses nothing else to reach the API. */
  readonly api: AgentMCApi;
  readonly logger?: AgentLogger;
  /** What happens with a session after the claim; default {@link realtimeSessionHandler}. */
  readonly handler?: SessionHandler;
  /**
   * Hold a watch socket and claim each session the moment it is requested (default true). The
   * list poll then only reconciles, every `reconcileMs`.
   */
  readonly watch?: boolean;
  /** The list poll's interval while the watch socket is up (ms); default 30 000. */
  readonly reconcileMs?: number;
  /**
   * Without the watch (turned off, or down): the first wait after an empty list (ms); it doubles
   * per empty poll up to `pollMaxMs`.
   */
  readonly pollMinMs?: number;
  readonly pollMaxMs?: number;
  /** Wait before the next poll after a poll that found work; default 0, at once. */
  readonly pollAfterWorkMs?: number;
  /** Sessions fetched per poll, 1..100; default 20. */
  readonly listLimit?: number;
  /** Tries per claim when the network fails; each repeats the same Idempotency-Key. */
  readonly claimAttempts?: number;
  /** The WebSocket class for the watch socket; default `ws`. */
  readonly WebSocket?: WebSocketConstructor;
  /** The watch socket's reconnect backoff. */
  readonly reconnect?: ReconnectOptions;
  /** For tests: the randomness of the jitter. */
  readonly random?: () => number;
}

/** How a poll ended, and so how long to wait before the next. */
type PollOutcome = 'work' | 'idle' | FailureWait;

/**
 * The sample agent: claims the sessions requested for it and hands each one it wins to its
 * {@link SessionHandler}.
 *
 * - It holds one watch socket: the server pushes `session.requested` the moment a session is
 *   requested, and the agent claims it at once. While the watch is up, the list is polled only
 *   to reconcile, every `reconcileMs` (30 s). While it is down, or turned off, the list poll is
 *   the way in: exponential backoff with jitter while idle, again at once after work.
 * - Sessions are claimed one at a time, newest first, each once whether pushed or listed. A 409
 *   or 404 means another claimer won: it moves on.
 * - 429 and 503 wait for `Retry-After`; network failures and other errors back off.
 * - A claim whose answer is lost is repeated with the same `Idempotency-Key`.
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
  readonly #options: AgentOptions;
  readonly #idle: Backoff;
  readonly #claimer: Claimer;
  readonly #stopping = new AbortController();
  readonly #handlers = new Set<Promise<void>>();
  #running: Promise<void> | undefined;
  #watch: WatchConnection | undefined;
  #watchUp = false;
  /** Wakes the poll's wait: `down` (the watch went down) or `up` (it came up). */
  #wake = new AbortController();
  /** What stopped the agent from within (a claim from a push that failed), boxed: any value. */
  #fatal: { readonly error: unknown } | undefined;

  constructor(options: AgentOptions) {
    this.#options = options;
    this.#api = options.api;
    this.#logger = options.logger ?? createJsonLogger();
    this.#handler = options.handler ?? realtimeSessionHandler();
    const random = options.random ?? Math.random;
    this.#idle = new Backoff(options.pollMinMs ?? 1_000, options.pollMaxMs ?? 30_000, random);
    this.#claimer = new Claimer({
      api: this.#api,
      logger: this.#logger,
      attempts: options.claimAttempts ?? 3,
      random,
      stopping: this.#stopping.signal,
      onWon: (session, via) => this.#won(session, via),
    });
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
   * Stops: the watch socket closes, a wait is cut short, a list in flight is aborted, a claim in
   * flight is let finish (so a won session is not lost), then every handler's signal aborts
   * (the default handler closes its session with reason `agent_shutdown`) and stop waits for
   * them. Resolves when all of it is done; safe to call more than once.
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
    const watching = this.#options.watch ?? true;
    this.#logger.info('agent.started', {
      base_url: this.#api.baseUrl,
      limit: this.#options.listLimit ?? 20,
      watch: watching,
    });
    try {
      if (watching) this.#openWatch();
      while (!this.#stopped) {
        const outcome = await this.#poll();
        if (this.#stopped) break;
        await this.#rest(this.#waitAfter(outcome));
      }
      if (this.#fatal) throw this.#fatal.error;
    } finally {
      // Whatever ended the run, the watch closes and handlers are told to finish.
      this.#stopping.abort();
      await this.#watch?.close();
      await Promise.allSettled([...this.#handlers]);
      this.#logger.info('agent.stopped');
    }
  }

  #openWatch(): void {
    const watch = connectAgentWatch(this.#api, {
      WebSocket: this.#options.WebSocket,
      reconnect: this.#options.reconnect,
      random: this.#options.random,
    });
    this.#watch = watch;
    watch.on('ready', () => {
      this.#watchUp = true;
      this.#wake.abort('up');
      this.#logger.info('watch.ready');
    });
    // Fire and forget: #offer handles a pushed session's failure itself (it stops the agent).
    watch.on('requested', (session) => void this.#offer(session, 'watch'));
    watch.on('reconnecting', (info) => {
      this.#watchDown();
      this.#logger.warn('watch.reconnecting', {
        attempt: info.attempt,
        delay_ms: info.delayMs,
        code: info.code,
        reason: info.error?.message ?? info.reason,
      });
    });
    watch.on('error', (error) => this.#logger.warn('watch.error', { error: error.message }));
    watch.on('close', (end) => {
      this.#watchDown();
      if (end.reason !== 'closed') {
        // Refused for good: the list poll carries on alone (and stops on 401/403 itself).
        this.#logger.warn('watch.closed', { reason: end.reason, error: end.error?.message });
      }
    });
  }

  /** While the watch is down, the poll is the way in: poll now, then on the idle backoff. */
  #watchDown(): void {
    if (!this.#watchUp) return;
    this.#watchUp = false;
    this.#idle.reset();
    this.#wake.abort('down');
  }

  /**
   * Waits before the next poll. The watch going down cuts the wait short (poll now); the watch
   * coming up turns the rest of it into a reconcile wait (its pushes are the way in now).
   */
  async #rest(ms: number): Promise<void> {
    for (let wait = ms; ; wait = this.#options.reconcileMs ?? 30_000) {
      const wake = (this.#wake = new AbortController());
      await sleep(wait, AbortSignal.any([this.#stopping.signal, wake.signal]));
      if (this.#stopped || wake.signal.reason !== 'up') return;
    }
  }

  #offer(session: AgentRealtimeSession, via: ClaimSource) {
    const outcome = this.#claimer.offer(session, via);
    if (via === 'watch') {
      outcome.catch((error: unknown) => {
        this.#fatal ??= { error };
        this.#stopping.abort();
      });
    }
    return outcome;
  }

  #waitAfter(outcome: PollOutcome): number {
    if (outcome === 'work') {
      this.#idle.reset();
      return this.#options.pollAfterWorkMs ?? 0;
    }
    if (typeof outcome === 'object') return outcome.retryAfterMs;
    if (this.#watchUp) return this.#options.reconcileMs ?? 30_000;
    return this.#idle.next();
  }

  async #poll(): Promise<PollOutcome> {
    let result;
    try {
      result = await this.#api.operations.listAgentRealtimeRequestedSessions({
        params: { query: { limit: this.#options.listLimit ?? 20 } },
        signal: this.#stopping.signal,
      });
    } catch (error) {
      return requestFailed(this.#logger, 'list', error);
    }
    switch (result.status) {
      case 200:
        break;
      case 401:
      case 403:
        throw new AgentAuthError('listAgentRealtimeRequestedSessions', result.status, result.error);
      case 429:
      case 503:
        return throttled(this.#logger, 'list', result, () => this.#idle.next());
      default:
        this.#logger.warn('list.failed', { status: result.status, code: result.error.error.code });
        return 'failed';
    }

    const sessions = newestFirst(result.data.data);
    if (sessions.length === 0) return 'idle';
    this.#logger.debug('list.found', { count: sessions.length });
    const outcomes = await Promise.all(sessions.map((session) => this.#offer(session, 'poll')));
    // Only a poll whose claims changed something earns an immediate re-poll; a batch of
    // failures, or of sessions the watch is already claiming, would otherwise spin.
    if (outcomes.some((o) => o === 'won' || o === 'lost')) return 'work';
    return outcomes.every((o) => o === 'known') ? 'idle' : 'failed';
  }

  #won(session: ClaimedSession, via: ClaimSource): void {
    this.#logger.info('session.claimed', {
      session_id: session.id,
      agent_id: session.agent_id,
      team_id: session.team_id,
      requested_by_user_id: session.requested_by_user_id,
      claimed_at: session.claimed_at,
      expires_at: session.expires_at,
      via,
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
