import {
  contract,
  type AgentRealtimeSession,
  type ClaimRealtimeSessionBody,
  type ErrorEnvelope,
} from '@agentmc/contract';
import { initContract, type ClientInferResponseBody } from '@ts-rest/core';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  AgentMCApi,
  type Contract,
  type OperationInput,
  type OperationResult,
  type Operations,
} from '@agentmc/api';

// Compile-time assertions (checked by `tsc --noEmit`, see type-safety.test.ts); at run time
// these tests only check what can be seen at run time.

type Claim = Contract['claimAgentRealtimeSession'];
type List = Contract['listAgentRealtimeRequestedSessions'];
type Create = Contract['createRealtimeSession'];
type ClaimResult = OperationResult<Claim>;
/** The statuses the contract lists for a route: the results must be exactly these. */
type Statuses<R extends { responses: object }> = keyof R['responses'];
type ErrorStatuses<R extends { responses: object }> = Exclude<Statuses<R>, 200 | 201>;

describe('operations', () => {
  it('are every route of the contract, by operationId, and nothing else', () => {
    expectTypeOf<keyof Operations>().toEqualTypeOf<keyof Contract>();
    const api = new AgentMCApi({ baseUrl: 'http://127.0.0.1:9/api/v1' });
    expect(Object.keys(api.operations).sort()).toEqual(Object.keys(contract).sort());
  });

  it('follow a route added to a contract, with its types, without code for it', () => {
    const c = initContract();
    const extended = c.router(
      {
        ...contract,
        getRealtimeSession: {
          method: 'GET',
          path: '/realtime/sessions/:session',
          pathParams: z.object({ session: z.coerce.number().int() }),
          responses: { 200: z.object({ data: z.object({ id: z.number() }) }), 404: z.null() },
        },
      },
      { strictStatusCodes: true },
    );
    expect(Object.keys(extended)).toContain('getRealtimeSession');
    type Get = Operations<typeof extended>['getRealtimeSession'];
    expectTypeOf<Parameters<Get>[0]>().toEqualTypeOf<{
      params: { path: { session: number } };
      headers?: Record<string, string>;
      signal?: AbortSignal;
    }>();
    expectTypeOf<Awaited<ReturnType<Get>>>().toEqualTypeOf<
      | { status: 200; data: { data: { id: number } }; error: undefined; headers: Headers }
      | { status: 404; data: undefined; error: null; headers: Headers }
    >();
  });
});

describe('claimAgentRealtimeSession', () => {
  it('takes the seed’s shape: params.path.session, a body, the Idempotency-Key header', () => {
    expectTypeOf<OperationInput<Claim>>().toEqualTypeOf<{
      params: { path: { session: number } };
      body?: z.input<typeof ClaimRealtimeSessionBody>;
      headers?: { 'idempotency-key'?: string | undefined };
      signal?: AbortSignal;
    }>();
  });

  it('answers one result per status of the contract, the seed’s among them', () => {
    expectTypeOf<ClaimResult['status']>().toEqualTypeOf<Statuses<Claim>>();
    expectTypeOf<200 | 401 | 403 | 404 | 409>().toExtend<ClaimResult['status']>();
    expectTypeOf<Extract<ClaimResult, { status: 200 }>>().toEqualTypeOf<{
      status: 200;
      data: ClientInferResponseBody<Claim, 200>;
      error: undefined;
      headers: Headers;
    }>();
    expectTypeOf<
      Extract<ClaimResult, { status: 200 }>['data']['data']
    >().toExtend<AgentRealtimeSession>();
    expectTypeOf<Extract<ClaimResult, { status: 409 }>>().toEqualTypeOf<{
      status: 409;
      data: undefined;
      error: ErrorEnvelope;
      headers: Headers;
    }>();
  });

  it('narrows on error, as the seed checks it', () => {
    const narrow = (result: ClaimResult) => {
      if (result.error) {
        expectTypeOf(result.status).toEqualTypeOf<ErrorStatuses<Claim>>();
        expectTypeOf(result.error).toEqualTypeOf<ErrorEnvelope>();
        expectTypeOf(result.data).toEqualTypeOf<undefined>();
      } else {
        expectTypeOf(result.status).toEqualTypeOf<200>();
        expectTypeOf(result.data.data).toExtend<AgentRealtimeSession>();
      }
    };
    expect(narrow).toBeTypeOf('function');
  });

  it('narrows on status and on data', () => {
    const narrow = (result: ClaimResult) => {
      if (result.status === 409)
        expectTypeOf(result.error.error.details).toEqualTypeOf<
          Record<string, unknown> | undefined
        >();
      if (result.data)
        expectTypeOf(result.data.data.status).toEqualTypeOf<
          'requested' | 'claimed' | 'active' | 'closed' | 'failed' | 'expired'
        >();
    };
    expect(narrow).toBeTypeOf('function');
  });
});

describe('listAgentRealtimeRequestedSessions', () => {
  it('takes an optional limit, so the whole argument is optional', () => {
    expectTypeOf<OperationInput<List>>().toEqualTypeOf<{
      params?: { query?: { limit?: number | undefined } };
      headers?: Record<string, string>;
      signal?: AbortSignal;
    }>();
    expectTypeOf<Parameters<Operations['listAgentRealtimeRequestedSessions']>>().toEqualTypeOf<
      [input?: OperationInput<List>]
    >();
  });

  it('answers the list on 200', () => {
    expectTypeOf<Extract<OperationResult<List>, { status: 200 }>['data']>().toEqualTypeOf<
      ClientInferResponseBody<List, 200>
    >();
    expectTypeOf<Extract<OperationResult<List>, { status: 200 }>['data']>().toEqualTypeOf<{
      data: AgentRealtimeSession[];
    }>();
  });
});

describe('createRealtimeSession', () => {
  it('needs a body with agent_id', () => {
    expectTypeOf<OperationInput<Create>['body']>().toEqualTypeOf<{
      agent_id: number;
      meta?: Record<string, unknown> | null | undefined;
      ttl_seconds?: number | undefined;
    }>();
    expectTypeOf<OperationResult<Create>['status']>().toEqualTypeOf<Statuses<Create>>();
    expectTypeOf<
      Extract<OperationResult<Create>, { status: 201 }>['data']['data']
    >().toExtend<AgentRealtimeSession>();
  });
});
