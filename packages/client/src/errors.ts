/**
 * The base of everything this client throws. A request that got an HTTP response the contract
 * describes never throws: it comes back as a result with its status.
 */
export class AgentMCClientError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? {} : { cause: options.cause });
    this.name = new.target.name;
  }
}

/** Why a request got no HTTP response. */
export type NetworkFailureReason =
  /** The connection failed: refused, reset, DNS, TLS, or the body broke off midway. */
  | 'network'
  /** No complete response within the client's `timeoutMs`. */
  | 'timeout'
  /** The caller's `signal` aborted the request. */
  | 'aborted';

/**
 * The request got no HTTP response, so there is no status to report; the client never invents
 * one. The request may or may not have reached the server: repeat a claim with the same
 * `Idempotency-Key` to be safe.
 *
 * @example
 * try {
 *   await api.operations.listAgentRealtimeRequestedSessions();
 * } catch (error) {
 *   if (error instanceof AgentMCNetworkError && error.reason === 'timeout') retryLater();
 *   else throw error;
 * }
 */
export class AgentMCNetworkError extends AgentMCClientError {
  readonly reason: NetworkFailureReason;
  readonly method: string;
  readonly url: string;

  constructor(
    reason: NetworkFailureReason,
    request: { method: string; url: string },
    options: { cause?: unknown } = {},
  ) {
    const what =
      reason === 'timeout' ? 'timed out' : reason === 'aborted' ? 'was aborted' : 'failed';
    const cause = options.cause instanceof Error ? `: ${causeMessage(options.cause)}` : '';
    super(`${request.method} ${request.url} ${what}${cause}`, options);
    this.reason = reason;
    this.method = request.method;
    this.url = request.url;
  }
}

/**
 * An HTTP response the contract does not describe: a status the operation never answers with
 * (a proxy's 502, say), a body that is not JSON, or, with `validateResponse`, a body that does
 * not match the contract's schema for its status. Usually something between the client and the
 * API answered; `status` and `headers` (`Retry-After`) are there to decide whether to retry.
 */
export class AgentMCUnexpectedResponseError extends AgentMCClientError {
  readonly method: string;
  readonly url: string;
  readonly status: number;
  readonly headers: Headers;
  /** The parsed JSON body, or the text of a non-JSON body. */
  readonly body: unknown;

  constructor(
    problem: string,
    response: { method: string; url: string; status: number; headers: Headers; body: unknown },
    options: { cause?: unknown } = {},
  ) {
    super(`${response.method} ${response.url} answered ${response.status}: ${problem}`, options);
    this.method = response.method;
    this.url = response.url;
    this.status = response.status;
    this.headers = response.headers;
    this.body = response.body;
  }
}

/** Node's fetch hides the useful part ("ECONNREFUSED …") in the cause of its TypeError. */
function causeMessage(error: Error): string {
  const inner = error.cause;
  return inner instanceof Error && inner.message && inner.message !== error.message
    ? `${error.message} (${inner.message})`
    : error.message;
}
