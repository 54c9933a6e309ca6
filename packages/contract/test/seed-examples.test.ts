import { describe, expect, it } from 'vitest';
import {
  AgentRealtimeSession,
  ErrorEnvelope,
  SessionEnvelope,
  SessionListEnvelope,
  contract,
} from '../src/index.js';

// The example bodies of the two seed documents (seeds/002_bc59b0bcd403d916.txt and
// seeds/000_d738e3586c1e262f.txt), copied verbatim.

/** listAgentRealtimeRequestedSessions, 200. */
const SEED_LIST_200 = `{
  "data": [
    {
      "id": 42,
      "team_id": 42,
      "agent_id": 42,
      "requested_by_user_id": 42,
      "status": "requested",
      "claimed_at": "2026-02-22T17:21:00Z",
      "opened_at": "2026-02-22T17:21:00Z",
      "closed_at": "2026-02-22T17:21:00Z",
      "expires_at": "2026-02-22T17:21:00Z",
      "last_browser_heartbeat_at": "2026-02-22T17:21:00Z",
      "last_agent_heartbeat_at": "2026-02-22T17:21:00Z",
      "meta": {
        "key": "value"
      },
      "created_at": "2026-02-22T17:21:00Z",
      "updated_at": "2026-02-22T17:21:00Z"
    }
  ]
}`;

/** claimAgentRealtimeSession, 200. */
const SEED_CLAIM_200 = `{
  "data": {
    "id": 42,
    "team_id": 42,
    "agent_id": 42,
    "requested_by_user_id": 42,
    "status": "requested",
    "claimed_at": "2026-02-22T17:21:00Z",
    "opened_at": "2026-02-22T17:21:00Z",
    "closed_at": "2026-02-22T17:21:00Z",
    "expires_at": "2026-02-22T17:21:00Z",
    "last_browser_heartbeat_at": "2026-02-22T17:21:00Z",
    "last_agent_heartbeat_at": "2026-02-22T17:21:00Z",
    "meta": {
      "key": "value"
    },
    "created_at": "2026-02-22T17:21:00Z",
    "updated_at": "2026-02-22T17:21:00Z"
  }
}`;

/** Every error response of both seeds (401, 403, 404, 409, 422) shows this body. */
const SEED_ERROR = `{
  "error": {
    "code": "validation.failed",
    "message": "Validation failed.",
    "details": {
      "fields": {
        "title": [
          "The title field is required."
        ]
      }
    }
  }
}`;

/** The claim's request example. */
const SEED_CLAIM_REQUEST = `{}`;

/** The error statuses each seed documents. */
const SEED_ERROR_STATUSES = {
  listAgentRealtimeRequestedSessions: [401, 403, 404, 422],
  claimAgentRealtimeSession: [401, 403, 404, 409],
} as const;

const list = contract.listAgentRealtimeRequestedSessions;
const claim = contract.claimAgentRealtimeSession;

/** The zod schema of one response of a route. */
function responseSchema(route: { responses: Record<number, unknown> }, status: number) {
  const schema = route.responses[status] as { safeParse?: unknown } | undefined;
  expect(schema?.safeParse, `a schema for ${status}`).toBeTypeOf('function');
  return schema as unknown as typeof ErrorEnvelope;
}

describe('the seeds’ example bodies', () => {
  it('the session list (listAgentRealtimeRequestedSessions 200) parses, unchanged', () => {
    const body = JSON.parse(SEED_LIST_200);
    expect(SessionListEnvelope.parse(body)).toEqual(body);
    expect(responseSchema(list, 200).parse(body)).toEqual(body);
  });

  it('the claimed session (claimAgentRealtimeSession 200) parses, unchanged', () => {
    const body = JSON.parse(SEED_CLAIM_200);
    expect(SessionEnvelope.parse(body)).toEqual(body);
    expect(responseSchema(claim, 200).parse(body)).toEqual(body);
  });

  it('the session in them has exactly the 14 fields of the session schema, in its order', () => {
    const session = JSON.parse(SEED_CLAIM_200).data;
    expect(Object.keys(AgentRealtimeSession.shape)).toEqual(Object.keys(session));
  });

  it('the error envelope parses, unchanged', () => {
    const body = JSON.parse(SEED_ERROR);
    expect(ErrorEnvelope.parse(body)).toEqual(body);
  });

  it.each(
    Object.entries(SEED_ERROR_STATUSES).flatMap(([operation, statuses]) =>
      statuses.map((status) => ({
        operation: operation as keyof typeof SEED_ERROR_STATUSES,
        status,
      })),
    ),
  )('the error envelope parses as $operation’s $status response', ({ operation, status }) => {
    const body = JSON.parse(SEED_ERROR);
    expect(responseSchema(contract[operation], status).parse(body)).toEqual(body);
  });

  it('the claim’s request body {} parses as the claim body', () => {
    expect(claim.body.parse(JSON.parse(SEED_CLAIM_REQUEST))).toEqual({});
  });

  it('the SDK examples’ parameters parse: { query: { limit: 20 } } and { path: { session: 1 } }', () => {
    expect(list.query.parse({ limit: 20 })).toEqual({ limit: 20 });
    expect(claim.pathParams.parse({ session: 1 })).toEqual({ session: 1 });
  });
});
