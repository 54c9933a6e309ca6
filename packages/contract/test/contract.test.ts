import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  BODY_ROUTE_STATUSES,
  CROSS_CUTTING_STATUSES,
  EVERY_ROUTE_STATUSES,
  type BodyRouteStatus,
  type EveryRouteStatus,
  type ErrorEnvelope,
  contract,
  type Contract,
  type OperationId,
  type RouteMetadata,
} from '../src/index.js';

/** Each operation: who may call it, and the statuses it answers with besides the cross-cutting ones. */
const ROUTES = {
  listAgentRealtimeRequestedSessions: { auth: 'agent', statuses: [200, 404] },
  claimAgentRealtimeSession: { auth: 'agent', statuses: [200, 404, 409] },
  listAgentRealtimeSignals: { auth: 'agent', statuses: [200, 404] },
  createAgentRealtimeSignal: { auth: 'agent', statuses: [200, 201, 404, 409] },
  closeAgentRealtimeSession: { auth: 'agent', statuses: [200, 404, 409] },
  createAgentRealtimeSocket: { auth: 'agent', statuses: [200, 404, 409] },
  createAgentRealtimeWatch: { auth: 'agent', statuses: [200] },
  createRealtimeBrowserToken: { auth: 'user', statuses: [201], browserToken: false },
  listRealtimeAgents: { auth: 'user', statuses: [200] },
  createRealtimeSession: { auth: 'user', statuses: [201, 404] },
  listRealtimeSessions: { auth: 'user', statuses: [200] },
  getRealtimeSession: { auth: 'user', statuses: [200, 404] },
  listRealtimeSignals: { auth: 'user', statuses: [200, 404] },
  createRealtimeSignal: { auth: 'user', statuses: [200, 201, 404, 409] },
  closeRealtimeSession: { auth: 'user', statuses: [200, 404] },
} as const satisfies Record<
  OperationId,
  { auth: RouteMetadata['auth']; statuses: number[]; browserToken?: false }
>;

const routes = Object.entries(contract);
const statusesOf = (route: { responses: object }) => Object.keys(route.responses).map(Number);

describe('the contract’s routes', () => {
  it('are exactly the operations above, in one flat router', () => {
    expect(Object.keys(contract).sort()).toEqual(Object.keys(ROUTES).sort());
    for (const [, route] of routes) expect(route).toHaveProperty('method');
  });

  it('names the cross-cutting statuses: 401, 403, 422, 429, 500, 503 everywhere, 413 and 415 with a body', () => {
    expect(EVERY_ROUTE_STATUSES).toEqual([401, 403, 422, 429, 500, 503]);
    expect(BODY_ROUTE_STATUSES).toEqual([413, 415]);
    expect([...CROSS_CUTTING_STATUSES].sort()).toEqual([401, 403, 413, 415, 422, 429, 500, 503]);
  });

  /** The cross-cutting statuses a route can answer: 413 only when it reads a body. */
  const crossCuttingOf = (route: { method: string }) =>
    route.method === 'GET'
      ? [...EVERY_ROUTE_STATUSES]
      : [...EVERY_ROUTE_STATUSES, ...BODY_ROUTE_STATUSES];

  it.each(routes)(
    '%s lists the cross-cutting statuses it can answer, as the envelope',
    (_, route) => {
      const body = { error: { code: 'internal', message: 'Internal server error.' } };
      for (const status of crossCuttingOf(route)) {
        const responses: Record<number, unknown> = route.responses;
        const schema = responses[status] as typeof ErrorEnvelope | undefined;
        expect(schema, `${status}`).toBeDefined();
        expect(schema!.parse(body)).toEqual(body);
        expect(schema!.description, `${status} is described`).toBeTruthy();
      }
    },
  );

  it.each(routes)('%s lists its own statuses, and no others', (id, route) => {
    const expected = [...ROUTES[id as OperationId].statuses, ...crossCuttingOf(route)];
    expect(statusesOf(route).sort()).toEqual([...expected].sort());
  });

  it.each(routes)('%s never lists a body’s failures without a body', (_, route) => {
    if (route.method !== 'GET') return;
    expect(statusesOf(route)).not.toContain(413);
  });

  it.each(routes)('%s has a summary and a description', (_, route) => {
    expect(route.summary).toBeTruthy();
    expect(route.description?.length ?? 0).toBeGreaterThan(40);
  });

  it.each(routes)('%s describes each of its responses', (_, route) => {
    for (const [status, schema] of Object.entries(route.responses)) {
      expect((schema as { description?: string }).description, status).toBeTruthy();
    }
  });

  it.each(routes)('%s asks for its principal in its metadata, strictly', (id, route) => {
    const { statuses: _statuses, ...metadata } = ROUTES[id as OperationId];
    expect(route.metadata).toEqual(metadata);
    expect(route.strictStatusCodes).toBe(true);
  });

  it('types the merged metadata and responses on each route', () => {
    expectTypeOf<Contract['claimAgentRealtimeSession']['metadata']>().toEqualTypeOf<{
      auth: 'agent';
    }>();
    expectTypeOf<Contract['closeRealtimeSession']['metadata']>().toEqualTypeOf<{
      auth: 'user';
    }>();
    expectTypeOf<keyof Contract['claimAgentRealtimeSession']['responses']>().toEqualTypeOf<
      200 | 404 | 409 | EveryRouteStatus | BodyRouteStatus
    >();
    expectTypeOf<keyof Contract['createAgentRealtimeWatch']['responses']>().toEqualTypeOf<
      200 | EveryRouteStatus | BodyRouteStatus
    >();
    expectTypeOf<keyof Contract['listRealtimeSessions']['responses']>().toEqualTypeOf<
      200 | EveryRouteStatus
    >();
    expectTypeOf<Contract['listRealtimeSessions']['strictStatusCodes']>().toEqualTypeOf<true>();
    expectTypeOf<{
      [K in OperationId]: Contract[K] extends { responses: infer R }
        ? EveryRouteStatus extends keyof R
          ? true
          : false
        : false;
    }>().toEqualTypeOf<Record<OperationId, true>>();
  });
});
