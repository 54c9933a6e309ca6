import {
  isAppRouteOtherResponse,
  isZodType,
  type ApiFetcher,
  type ApiFetcherArgs,
} from '@ts-rest/core';
import { AgentMCNetworkError, AgentMCUnexpectedResponseError } from './errors.js';
import type { TokenCache } from './token-source.js';

export interface FetcherOptions {
  readonly apiKey: string | undefined;
  /** A browser token source, sent as `Authorization: Bearer`; wins over `apiKey`. */
  readonly tokens?: TokenCache | undefined;
  readonly fetch: typeof globalThis.fetch;
  /** 0 or undefined: no timeout. */
  readonly timeoutMs: number | undefined;
  readonly validateResponse: boolean;
}

/**
 * The one place a request meets the network. ts-rest builds the URL, query and body from the
 * contract; this sends them and holds the client's promise: a response the contract describes
 * comes back with its status, anything else throws an {@link AgentMCClientError} subclass.
 */
export function createFetcher(options: FetcherOptions): ApiFetcher {
  return async (args: ApiFetcherArgs) => {
    const { method, path: url } = args;
    const headers = new Headers(args.headers);
    const { tokens } = options;
    const ownCredential = headers.has('x-api-key') || headers.has('authorization');
    if (options.apiKey && !tokens && !ownCredential) headers.set('x-api-key', options.apiKey);
    if (!headers.has('accept')) headers.set('accept', 'application/json');
    const useToken = tokens !== undefined && !ownCredential;

    const callerSignal = args.fetchOptions?.signal ?? undefined;
    const timeoutSignal = options.timeoutMs ? AbortSignal.timeout(options.timeoutMs) : undefined;
    const signals = [callerSignal, timeoutSignal].filter((s): s is AbortSignal => s != null);
    const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
    // Tell apart "the caller gave up" from "we gave up" from "the network gave up".
    const failure = (cause: unknown) =>
      new AgentMCNetworkError(
        callerSignal?.aborted ? 'aborted' : timeoutSignal?.aborted ? 'timeout' : 'network',
        { method, url },
        { cause },
      );

    const send = async (token: string | undefined) => {
      if (token !== undefined) headers.set('authorization', `Bearer ${token}`);
      const answer = await options.fetch(url, {
        ...args.fetchOptions,
        method,
        headers,
        body: args.body ?? null,
        ...(signal ? { signal } : {}),
      });
      return { answer, text: await answer.text() };
    };

    let response: Response;
    let text: string;
    try {
      ({ answer: response, text } = await send(useToken ? await tokens.get() : undefined));
      // A token refused before its time (revoked, or the clocks disagree): one fresh try.
      if (useToken && response.status === 401) {
        ({ answer: response, text } = await send(await tokens.refresh()));
      }
    } catch (cause) {
      throw failure(cause);
    }

    const { status } = response;
    const unexpected = (problem: string, body: unknown, cause?: unknown) =>
      new AgentMCUnexpectedResponseError(
        problem,
        { method, url, status, headers: response.headers, body },
        { cause },
      );
    const declared = args.route.responses[status];
    if (declared === undefined) {
      throw unexpected(`a status ${args.route.method} ${args.route.path} never answers with`, text);
    }
    const contentType = response.headers.get('content-type') ?? '';
    if (!/^application\/(?:[\w.+-]+\+)?json\b/i.test(contentType)) {
      throw unexpected(`expected a JSON body, got ${contentType || 'no content type'}`, text);
    }
    const schema = isAppRouteOtherResponse(declared) ? declared.body : declared;
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (cause) {
      throw unexpected('the body is not valid JSON', text, cause);
    }
    if ((options.validateResponse || args.route.validateResponseOnClient) && isZodType(schema)) {
      const parsed = schema.safeParse(body);
      if (!parsed.success) {
        throw unexpected(
          `the body does not match the contract: ${parsed.error.issues
            .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
            .join('; ')}`,
          body,
          parsed.error,
        );
      }
      body = parsed.data;
    }
    return { status, body, headers: response.headers };
  };
}
