import { rateLimited, type RateLimited } from '../errors/failures.js';
import { KeyedBuckets } from '../lib/keyed-buckets.js';
import type { Actor } from './actor.js';

export interface BudgetsConfig {
  /**
   * What one principal (an agent, or a person) may send a minute: signals, over HTTP and every
   * socket, and every other websocket frame (`resume`, `ping`, refused ones); 0: no limit.
   */
  readonly signalsPerMinute: number;
  /** Failed authentications (401, 403) one client address may cause a minute; 0: no limit. */
  readonly authFailuresPerMinute: number;
}

/**
 * The budgets that keep one caller from costing everyone else: one per principal for what it
 * sends (so a principal's sockets and HTTP posts share one allowance instead of multiplying it),
 * and one per client address for failed authentication (so guessing keys or tickets is not an
 * unlimited series of lookups). Each is a token bucket refilled at its rate a minute, with bursts
 * up to the same number, counted per replica.
 *
 * @example
 * const budgets = new Budgets({ signalsPerMinute: 600, authFailuresPerMinute: 60 });
 * const over = budgets.spend({ kind: 'agent', agentId: 7, teamId: 1 });
 * if (over) console.log(over.retryAfter); // seconds until it may send again
 */
export class Budgets {
  readonly #principals: KeyedBuckets<string>;
  readonly #authFailures: KeyedBuckets<string>;

  constructor(config: BudgetsConfig, now: () => number = Date.now) {
    this.#principals = new KeyedBuckets(config.signalsPerMinute, now);
    this.#authFailures = new KeyedBuckets(config.authFailuresPerMinute, now);
  }

  /** One signal or frame from `actor`: nothing when within its budget, else why not. */
  spend(actor: Actor): RateLimited | undefined {
    const wait = this.#principals.take(principalOf(actor));
    if (wait === 0) return undefined;
    return rateLimited(
      wait,
      `Too many signals and frames from this ${actor.kind === 'agent' ? 'agent' : 'user'}; this one was not handled.`,
    );
  }

  /**
   * Whether a client address may try to authenticate at all: nothing, or the refusal once its
   * failures have used up their budget. Checked before any key or ticket is looked up.
   */
  authBlocked(address: string): RateLimited | undefined {
    const wait = this.#authFailures.wait(address);
    if (wait === 0) return undefined;
    return rateLimited(wait, 'Too many failed authentications from this address.');
  }

  /** An authentication from `address` failed (401 or 403). */
  authFailed(address: string): void {
    this.#authFailures.take(address);
  }
}

function principalOf(actor: Actor): string {
  return actor.kind === 'agent' ? `agent:${actor.agentId}` : `person:${actor.personId}`;
}
