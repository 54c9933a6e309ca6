import type { Contract } from '@agentmc/contract';
import {
  isAppRoute,
  type AppRoute,
  type AppRouter,
  type ClientInferRequest,
  type ClientInferResponses,
  type SuccessfulHttpStatusCode,
} from '@ts-rest/core';

// Everything below is derived from the contract's routes by one mapped type: a route added to
// the contract is an operation here, with its types, without a line written for it.

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/**
 * The type with no properties: it adds nothing to an intersection, and `Empty extends T` holds
 * exactly when every property of T is optional.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- `{}` is meant here
type Empty = {};

/** `T[K]`, or never when T has no K (ts-rest drops the parts a route does not have). */
type Part<T, K extends PropertyKey> = K extends keyof T ? T[K] : never;

/** `{ K: T }`; optional when T may be left out; nothing at all when the route has no T. */
type Slot<K extends string, T> = [T] extends [never]
  ? Empty
  : undefined extends T
    ? { [P in K]?: T }
    : Empty extends T
      ? { [P in K]?: T }
      : { [P in K]: T };

type Request<R extends AppRoute> = ClientInferRequest<R>;

/** `{ path?, query? }` of a route: its path parameters and its query string. */
export type OperationParams<R extends AppRoute> = Simplify<
  Slot<'path', Part<Request<R>, 'params'>> & Slot<'query', Part<Request<R>, 'query'>>
>;

/** The headers a route declares, or any headers when it declares none. */
type OperationHeaders<R extends AppRoute> = [Part<Request<R>, 'headers'>] extends [never]
  ? { headers?: Record<string, string> }
  : Slot<'headers', Part<Request<R>, 'headers'>>;

/**
 * The argument of an operation: `{ params: { path?, query? }, body?, headers? }` with each part
 * required exactly when the route needs it, plus an optional `signal` to abort the request.
 */
export type OperationInput<R extends AppRoute> = Simplify<
  (keyof OperationParams<R> extends never ? Empty : Slot<'params', OperationParams<R>>) &
    Slot<'body', Part<Request<R>, 'body'>> &
    OperationHeaders<R> & { signal?: AbortSignal }
>;

type ToResult<T> = T extends { status: infer S; body: infer B } ? ResultOf<S, B> : never;

/** Distributes over S: a contract without strict status codes has a union of them. */
type ResultOf<S, B> = S extends SuccessfulHttpStatusCode
  ? { status: S; data: B; error: undefined; headers: Headers }
  : { status: S; data: undefined; error: B; headers: Headers };

/**
 * What an operation resolves to, one member per status the contract lists: on 2xx `data` is the
 * response body and `error` undefined; on an error status `error` is the body (the error
 * envelope) and `data` undefined. `headers` are the response headers (`Retry-After`).
 * Checking `status`, `error` or `data` narrows the rest.
 */
export type OperationResult<R extends AppRoute> = ToResult<ClientInferResponses<R>>;

/** One operation: a function of its {@link OperationInput}, optional when nothing is required. */
export type Operation<R extends AppRoute> =
  Empty extends OperationInput<R>
    ? (input?: OperationInput<R>) => Promise<OperationResult<R>>
    : (input: OperationInput<R>) => Promise<OperationResult<R>>;

/** Every route of a contract as an operation, keyed by its operationId. */
export type Operations<TRouter extends AppRouter = Contract> = {
  readonly [
    K in keyof TRouter as TRouter[K] extends AppRoute ? K : never
  ]: TRouter[K] extends AppRoute ? Operation<TRouter[K]> : never;
};

/** The ts-rest arguments and response of any route, as the runtime below sees them. */
type RouteCall = (args: {
  params: unknown;
  query: unknown;
  body: unknown;
  headers: Record<string, string | undefined>;
  fetchOptions: { signal?: AbortSignal };
}) => Promise<{ status: number; body: unknown; headers: Headers }>;

interface AnyInput {
  params?: { path?: unknown; query?: unknown };
  body?: unknown;
  headers?: Record<string, string | undefined>;
  signal?: AbortSignal;
}

/**
 * Builds {@link Operations} over a low-level client made from the same router: one function per
 * route, turning `{ params: { path, query }, body, headers, signal }` into ts-rest's arguments
 * and its `{ status, body }` into `{ status, data, error, headers }`.
 *
 * @example
 * const operations = createOperations(contract, createApiClient({ baseUrl, apiKey }));
 * const result = await operations.listAgentRealtimeRequestedSessions();
 */
export function createOperations<TRouter extends AppRouter>(
  router: TRouter,
  client: Record<string, unknown>,
): Operations<TRouter> {
  const operations: Record<string, (input?: AnyInput) => Promise<unknown>> = {};
  for (const [operationId, route] of Object.entries(router)) {
    if (!isAppRoute(route)) continue;
    const call = client[operationId] as RouteCall;
    operations[operationId] = async (input = {}) => {
      const response = await call({
        params: input.params?.path,
        query: input.params?.query,
        body: input.body,
        headers: input.headers ?? {},
        fetchOptions: input.signal ? { signal: input.signal } : {},
      });
      const ok = response.status >= 200 && response.status < 300;
      return {
        status: response.status,
        data: ok ? response.body : undefined,
        error: ok ? undefined : response.body,
        headers: response.headers,
      };
    };
  }
  return Object.freeze(operations) as unknown as Operations<TRouter>;
}
