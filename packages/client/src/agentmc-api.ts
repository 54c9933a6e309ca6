import { contract } from '@agentmc/contract';
import { createApiClient, type ApiClient } from './api-client.js';
import { DEFAULT_BASE_URL, readEnvDefaults } from './env.js';
import { createOperations, type Operations } from './operations.js';
import type { TokenSource } from './token-source.js';

export interface AgentMCApiOptions {
  /** Sent as `X-Api-Key`. Default: `AGENTMC_API_KEY`. Without a key every operation is a 401. */
  readonly apiKey?: string | undefined;
  /**
   * For a web page: where browser tokens come from (`() => fetch('/my-backend/token')…`),
   * called on first use and again before each token expires; sent as `Authorization: Bearer`.
   * Takes the place of `apiKey`, which a page must never hold. The person's operations and
   * their websocket tickets work with it; the agent's do not.
   *
   * @example
   * const api = new AgentMCApi({
   *   baseUrl: 'https://api.example.com/api/v1',
   *   token: async () => (await fetch('/session/agentmc-token')).text(),
   * });
   */
  readonly token?: TokenSource | undefined;
  /**
   * The API's base URL, up to and including `/api/v1`. Default: `AGENTMC_BASE_URL`, else
   * `http://localhost:3000/api/v1`.
   */
  readonly baseUrl?: string | undefined;
  /** A `fetch` to send requests with; the global one otherwise. */
  readonly fetch?: typeof globalThis.fetch | undefined;
  /** Milliseconds before a request without a complete response fails; default 30 000, 0: never. */
  readonly timeoutMs?: number | undefined;
  /** Check every response body against the contract, throwing when it does not match. */
  readonly validateResponse?: boolean | undefined;
}

/**
 * The AgentMC API client: `client.operations.<operationId>(...)` for every operation of the
 * contract, resolving to `{ data, error, status, headers }`.
 *
 * Every response the contract describes resolves, error statuses included: check `error` (or
 * `status`) and TypeScript narrows `data` and `error` to that status's body. Only a request
 * without an HTTP response rejects, with {@link AgentMCNetworkError}; a response the contract
 * does not describe (a proxy's 502, a non-JSON body) rejects with
 * {@link AgentMCUnexpectedResponseError}. No status is ever made up.
 *
 * @example
 * import { AgentMCApi } from '@agentmc/api';
 *
 * const client = new AgentMCApi({ apiKey: process.env.AGENTMC_API_KEY });
 * const result = await client.operations.claimAgentRealtimeSession({
 *   params: { path: { session: 1 } },
 *   body: {},
 * });
 * if (result.error) console.error(result.status, result.error.error.code);
 * else console.log(result.data.data.claimed_at);
 */
export class AgentMCApi {
  /** One function per operation of the contract, keyed by operationId. */
  readonly operations: Operations;
  /** The low-level ts-rest client the operations are built on. */
  readonly client: ApiClient;
  /** The base URL requests go to. */
  readonly baseUrl: string;

  constructor(options: AgentMCApiOptions = {}) {
    const env = readEnvDefaults();
    this.baseUrl = (options.baseUrl ?? env.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
    this.client = createApiClient({
      baseUrl: this.baseUrl,
      // A page's token source wins; a key from the environment is for programs, not pages.
      apiKey: options.token ? undefined : (options.apiKey ?? env.apiKey),
      token: options.token,
      fetch: options.fetch,
      timeoutMs: options.timeoutMs,
      validateResponse: options.validateResponse,
    });
    this.operations = createOperations(contract, this.client);
  }
}
