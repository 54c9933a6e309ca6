import { describe, expect, it } from 'vitest';
import {
  API_BASE_PATH,
  AgentRealtimeSession,
  ClaimRealtimeSessionBody,
  CreateRealtimeSessionBody,
  ErrorEnvelope,
  ListRequestedSessionsQuery,
  SessionPathParams,
  contract,
} from '../src/index.js';

/** The messages zod gives for one value, by field. */
function problems(result: {
  success: boolean;
  error?: { issues: { path: (string | number)[]; message: string }[] };
}) {
  expect(result.success).toBe(false);
  const fields: Record<string, string[]> = {};
  for (const issue of result.error!.issues)
    (fields[issue.path.join('.') || '(root)'] ??= []).push(issue.message);
  return fields;
}

const session = {
  id: 1,
  team_id: 2,
  agent_id: 3,
  requested_by_user_id: null,
  status: 'requested',
  claimed_at: null,
  opened_at: null,
  closed_at: null,
  expires_at: '2026-02-22T17:31:00Z',
  last_browser_heartbeat_at: null,
  last_agent_heartbeat_at: null,
  meta: null,
  created_at: '2026-02-22T17:21:00Z',
  updated_at: '2026-02-22T17:21:00Z',
};

describe('the list query (limit)', () => {
  it('defaults limit to 20', () => {
    expect(ListRequestedSessionsQuery.parse({})).toEqual({ limit: 20 });
  });

  it.each([
    ['1', 1],
    ['20', 20],
    ['100', 100],
    [1, 1],
    [100, 100],
  ])('accepts %j as %i', (limit, parsed) => {
    expect(ListRequestedSessionsQuery.parse({ limit })).toEqual({ limit: parsed });
  });

  it.each([
    ['0', 'Must be at least 1.'],
    ['101', 'Must be at most 100.'],
    ['abc', 'Must be an integer.'],
    ['1.5', 'Must be an integer.'],
    ['-1', 'Must be at least 1.'],
    ['1e1', 'Must be an integer.'],
    ['0x10', 'Must be an integer.'],
    [' 5', 'Must be an integer.'],
    ['', 'Must be an integer.'],
    [['1', '2'], 'Must be an integer.'],
  ])('rejects %j: %s', (limit, message) => {
    expect(problems(ListRequestedSessionsQuery.safeParse({ limit }))).toEqual({ limit: [message] });
  });

  it('is the list route’s query schema', () => {
    expect(contract.listAgentRealtimeRequestedSessions.query).toBe(ListRequestedSessionsQuery);
  });
});

describe('the claim path (session)', () => {
  it.each([
    ['1', 1],
    [1, 1],
    ['42', 42],
    [String(Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER],
  ])('accepts %j as %i', (value, parsed) => {
    expect(SessionPathParams.parse({ session: value })).toEqual({ session: parsed });
  });

  it.each(['0', '-1', 'abc', '1.5', '1.0', '0x1', '1e3', '', String(Number.MAX_SAFE_INTEGER + 2)])(
    'rejects %j',
    (value) => {
      expect(Object.keys(problems(SessionPathParams.safeParse({ session: value })))).toEqual([
        'session',
      ]);
    },
  );

  it('is the claim route’s path schema', () => {
    expect(contract.claimAgentRealtimeSession.pathParams).toBe(SessionPathParams);
  });
});

describe('the claim body', () => {
  it('accepts {}', () => {
    expect(ClaimRealtimeSessionBody.parse({})).toEqual({});
  });

  it('accepts any object, keeping what it holds', () => {
    expect(ClaimRealtimeSessionBody.parse({ note: 'hi', n: { deep: [1] } })).toEqual({
      note: 'hi',
      n: { deep: [1] },
    });
  });

  it.each([[[]], [[{}]], ['claim'], [''], [42], [true], [null]])('rejects %j', (body) => {
    expect(ClaimRealtimeSessionBody.safeParse(body).success).toBe(false);
  });

  it('is the claim route’s body schema', () => {
    expect(contract.claimAgentRealtimeSession.body).toBe(ClaimRealtimeSessionBody);
  });
});

describe('the session record', () => {
  it('parses the 14 fields', () => {
    expect(AgentRealtimeSession.parse(session)).toEqual(session);
  });

  it.each(['requested', 'claimed', 'active', 'closed', 'failed', 'expired'])(
    'accepts status %s',
    (status) => {
      expect(AgentRealtimeSession.safeParse({ ...session, status }).success).toBe(true);
    },
  );

  it('rejects any other status', () => {
    expect(
      Object.keys(problems(AgentRealtimeSession.safeParse({ ...session, status: 'pending' }))),
    ).toEqual(['status']);
  });

  it.each([
    '2026-02-22T17:21:00.000Z',
    '2026-02-22T17:21:00+00:00',
    '2026-02-22 17:21:00Z',
    '2026-02-22T17:21Z',
    '2026-02-22',
    '1771780860',
  ])('rejects the timestamp %j: only YYYY-MM-DDTHH:MM:SSZ', (timestamp) => {
    expect(
      Object.keys(problems(AgentRealtimeSession.safeParse({ ...session, created_at: timestamp }))),
    ).toEqual(['created_at']);
  });

  it.each([
    'requested_by_user_id',
    'claimed_at',
    'opened_at',
    'closed_at',
    'expires_at',
    'last_browser_heartbeat_at',
    'last_agent_heartbeat_at',
    'meta',
  ])('lets %s be null', (field) => {
    expect(AgentRealtimeSession.safeParse({ ...session, [field]: null }).success).toBe(true);
  });

  it.each(['id', 'team_id', 'agent_id', 'status', 'created_at', 'updated_at'])(
    'never lets %s be null',
    (field) => {
      expect(
        Object.keys(problems(AgentRealtimeSession.safeParse({ ...session, [field]: null }))),
      ).toEqual([field]);
    },
  );

  it.each(Object.keys(session))('requires %s (null is a value; absent is not)', (field) => {
    const { [field as keyof typeof session]: _dropped, ...rest } = session;
    expect(Object.keys(problems(AgentRealtimeSession.safeParse(rest)))).toEqual([field]);
  });

  it('requires an id of at least 1, and integers for ids', () => {
    expect(Object.keys(problems(AgentRealtimeSession.safeParse({ ...session, id: 0 })))).toEqual([
      'id',
    ]);
    expect(
      Object.keys(problems(AgentRealtimeSession.safeParse({ ...session, team_id: 1.5 }))),
    ).toEqual(['team_id']);
    expect(
      Object.keys(problems(AgentRealtimeSession.safeParse({ ...session, agent_id: '3' }))),
    ).toEqual(['agent_id']);
  });

  it('takes meta as a JSON object, never an array or a string', () => {
    expect(
      AgentRealtimeSession.safeParse({ ...session, meta: { a: [1, { b: null }] } }).success,
    ).toBe(true);
    expect(AgentRealtimeSession.safeParse({ ...session, meta: [1] }).success).toBe(false);
    expect(AgentRealtimeSession.safeParse({ ...session, meta: 'x' }).success).toBe(false);
  });
});

describe('the error envelope', () => {
  it('takes a code, a message and optional details', () => {
    expect(
      ErrorEnvelope.safeParse({ error: { code: 'internal', message: 'Internal server error.' } })
        .success,
    ).toBe(true);
  });

  it.each([
    'auth.unauthenticated',
    'auth.forbidden',
    'resource.not_found',
    'realtime_session.not_claimable',
    'realtime_session.expired',
    'validation.failed',
    'rate_limited',
    'internal',
  ])('knows the code %s of SPEC.md', (code) => {
    expect(ErrorEnvelope.safeParse({ error: { code, message: 'm' } }).success).toBe(true);
  });

  it('rejects a body without error.code or error.message', () => {
    expect(ErrorEnvelope.safeParse({ error: { message: 'm' } }).success).toBe(false);
    expect(ErrorEnvelope.safeParse({ error: { code: 'internal' } }).success).toBe(false);
    expect(ErrorEnvelope.safeParse({ message: 'm' }).success).toBe(false);
  });
});

describe('the person’s request body', () => {
  it('takes agent_id, with meta and ttl_seconds optional', () => {
    expect(CreateRealtimeSessionBody.parse({ agent_id: 1 })).toEqual({ agent_id: 1 });
    expect(
      CreateRealtimeSessionBody.parse({ agent_id: 1, meta: { a: 1 }, ttl_seconds: 60 }),
    ).toEqual({
      agent_id: 1,
      meta: { a: 1 },
      ttl_seconds: 60,
    });
  });

  it.each([10, 86_400])('accepts ttl_seconds %i', (ttl) => {
    expect(CreateRealtimeSessionBody.safeParse({ agent_id: 1, ttl_seconds: ttl }).success).toBe(
      true,
    );
  });

  it.each([9, 86_401, 60.5, '60'])('rejects ttl_seconds %j', (ttl) => {
    expect(
      Object.keys(problems(CreateRealtimeSessionBody.safeParse({ agent_id: 1, ttl_seconds: ttl }))),
    ).toEqual(['ttl_seconds']);
  });

  it('rejects unknown fields', () => {
    expect(CreateRealtimeSessionBody.safeParse({ agent_id: 1, status: 'claimed' }).success).toBe(
      false,
    );
  });
});

describe('the contract', () => {
  it('serves under /api/v1', () => {
    expect(API_BASE_PATH).toBe('/api/v1');
  });

  it('names the two seed operations by their operationIds, with the seeds’ methods and paths', () => {
    expect(contract.listAgentRealtimeRequestedSessions).toMatchObject({
      method: 'GET',
      path: '/agents/realtime/sessions/requested',
    });
    expect(contract.claimAgentRealtimeSession).toMatchObject({
      method: 'POST',
      path: '/agents/realtime/sessions/:session/claim',
    });
  });

  it('has the person’s request operation', () => {
    expect(contract.createRealtimeSession).toMatchObject({
      method: 'POST',
      path: '/realtime/sessions',
    });
  });

  it.each([
    ['listAgentRealtimeRequestedSessions', [200, 401, 403, 404, 422]],
    ['claimAgentRealtimeSession', [200, 401, 403, 404, 409, 413, 422]],
    ['createRealtimeSession', [201, 401, 403, 404, 413, 422]],
  ] as const)('lists every status %s can answer, strictly', (operation, statuses) => {
    const route = contract[operation];
    expect(route.strictStatusCodes).toBe(true);
    for (const status of [...statuses, 429, 500, 503]) {
      expect(Object.keys(route.responses), `${operation} ${status}`).toContain(String(status));
    }
  });
});
