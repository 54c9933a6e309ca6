import { contract, type Contract } from '@agentmc/contract';
import { initClient, type ApiFetcher, type InitClientReturn } from '@ts-rest/core';
import { createFetcher } from './fetcher.js';
import { TokenCache, type TokenSource } from './token-source.js';

/** Requests that get no complete response within this many milliseconds fail. */
export const DEFAULT_TIMEOUT_MS = 30_000;

export interface ApiClientOptions {
  /** The API's base URL, up to and including `/api/v1`: `http://localhost:3000/api/v1`. */
  readonly baseUrl: string;
  /** Sent as `X-Api-Key`. Without one (or a `token`), every operation answers 401. */
  readonly apiKey?: string | undefined;
  /**
   * A browser token source, for a web page: called for a token on first use and again before it
   * expires; sent as `Authorization: Bearer`. Use it instead of `apiKey`, which a page must
   * never hold.
   */
  readonly token?: TokenSource | undefined;
  /** A `fetch` to send requests with (a proxy agent, instrumentation); the global one otherwise. */
  readonly fetch?: typeof globalThis.fetch | undefined;
  /** Milliseconds before a request without a complete response fails; 0 waits forever. */
  readonly timeoutMs?: number | undefined;
  /** Check every response body against the contract, throwing when it does not match. */
  readonly validateResponse?: boolean | undefined;
}

/** The ts-rest client arguments the low-level client is built with. */
export interface ApiClientArgs {
  baseUrl: string;
  api: ApiFetcher;
}

/**
 * The low-level client: one function per route of the contract, taking ts-rest's arguments
 * (`{ params, query, body, headers }`) and resolving to `{ status, body, headers }`.
 */
export type ApiClient = InitClientReturn<Contract, ApiClientArgs>;

/**
 * Creates the low-level typed client of the contract, for callers who want ts-rest's own
 * request and response shapes. Most callers want {@link AgentMCApi} instead.
 *
 * Responses with a status the contract lists resolve, whatever the status; a request without
 * a response rejects with {@link AgentMCNetworkError}, a response the contract does not describe
 * with {@link AgentMCUnexpectedResponseError}.
 *
 * @example
 * import { createApiClient } from '@agentmc/api';
 *
 * const client = createApiClient({
 *   baseUrl: 'http://localhost:3000/api/v1',
 *   apiKey: process.env.AGENTMC_API_KEY,
 * });
 * const response = await client.claimAgentRealtimeSession({ params: { session: 1 }, body: {} });
 * if (response.status === 200) console.log(response.body.data.claimed_at);
 * else console.error(response.status, response.body.error.code);
 */
export function createApiClient(options: ApiClientOptions): ApiClient {
  const args: ApiClientArgs = {
    // The contract's paths start with "/"; a base URL ending in "/" would double it.
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    api: createFetcher({
      apiKey: options.apiKey,
      tokens: options.token ? new TokenCache(options.token) : undefined,
      fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      validateResponse: options.validateResponse ?? false,
    }),
  };
  return initClient(contract, args);
}
