import { SESSION_FIELDS } from '@agentmc/testkit/session-fields';
import { describe, expect, it } from 'vitest';
import { contract, createOpenApiDocument } from '../src/index.js';

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema: Record<string, unknown>;
}
interface Operation {
  operationId: string;
  parameters?: Parameter[];
  responses: Record<string, { content?: Record<string, { schema: Record<string, any> }> }>;
  security?: Record<string, string[]>[];
}

const document = createOpenApiDocument() as unknown as {
  openapi: string;
  servers: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, Record<string, string>> };
};

const LIST_PATH = '/agents/realtime/sessions/requested';
const CLAIM_PATH = '/agents/realtime/sessions/{session}/claim';
const list = () => document.paths[LIST_PATH]!.get!;
const claim = () => document.paths[CLAIM_PATH]!.post!;

describe('the OpenAPI document', () => {
  it('is OpenAPI 3 with the API under /api/v1', () => {
    expect(document.openapi).toMatch(/^3\./);
    expect(document.servers).toEqual([{ url: '/api/v1' }]);
  });

  it('has the seeds’ paths exactly, with their methods and operationIds', () => {
    expect(document.paths[LIST_PATH]?.get?.operationId).toBe('listAgentRealtimeRequestedSessions');
    expect(document.paths[CLAIM_PATH]?.post?.operationId).toBe('claimAgentRealtimeSession');
  });

  it('is generated from the contract: every route, and nothing else, under its operationId', () => {
    const fromContract = Object.entries(contract)
      .map(([id, route]) => {
        const path = route.path.replace(/:(\w+)/g, '{$1}');
        return `${route.method.toLowerCase()} ${path} ${id}`;
      })
      .sort();
    const inDocument = Object.entries(document.paths)
      .flatMap(([path, operations]) =>
        Object.entries(operations).map(([method, op]) => `${method} ${path} ${op.operationId}`),
      )
      .sort();
    expect(inDocument).toEqual(fromContract);
  });

  it('lists every status of every route under its operation, as JSON with a description', () => {
    const operations = new Map(
      Object.values(document.paths)
        .flatMap((methods) => Object.values(methods))
        .map((op) => [op.operationId, op]),
    );
    for (const [id, route] of Object.entries(contract)) {
      const responses = operations.get(id)!.responses as Record<
        string,
        { description: string; content?: Record<string, unknown> }
      >;
      expect(Object.keys(responses).sort(), id).toEqual(Object.keys(route.responses).sort());
      for (const [status, response] of Object.entries(responses)) {
        expect(response.content?.['application/json'], `${id} ${status}`).toBeDefined();
        expect(response.description, `${id} ${status}`).not.toBe(status);
      }
    }
  });

  it('gives the list its optional query parameter limit: integer 1..100, default 20', () => {
    expect(list().parameters).toEqual([
      expect.objectContaining({
        name: 'limit',
        in: 'query',
        schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
      }),
    ]);
    expect(list().parameters![0]!.required ?? false).toBe(false);
  });

  it('gives the claim its required path parameter session: integer ≥ 1', () => {
    const session = claim().parameters!.find((p) => p.name === 'session');
    expect(session).toMatchObject({
      in: 'path',
      required: true,
      schema: { type: 'integer', minimum: 1 },
    });
  });

  it('gives the claim a JSON object body', () => {
    const body = (
      claim() as unknown as { requestBody: { content: Record<string, { schema: unknown }> } }
    ).requestBody;
    expect(body.content['application/json']?.schema).toMatchObject({ type: 'object' });
  });

  it.each([200, 401, 403, 404, 422])('documents the list’s %i response, as JSON', (status) => {
    expect(list().responses[String(status)]?.content?.['application/json']).toBeDefined();
  });

  it.each([200, 401, 403, 404, 409])('documents the claim’s %i response, as JSON', (status) => {
    expect(claim().responses[String(status)]?.content?.['application/json']).toBeDefined();
  });

  it('describes the session in the 200s with the 14 required fields and the timestamp pattern', () => {
    const listed =
      list().responses['200']!.content!['application/json']!.schema.properties.data.items;
    const claimed = claim().responses['200']!.content!['application/json']!.schema.properties.data;
    for (const session of [listed, claimed]) {
      expect(session.required.slice(0, 14)).toEqual(SESSION_FIELDS);
      expect(session.properties.status.enum).toEqual([
        'requested',
        'claimed',
        'active',
        'closed',
        'failed',
        'expired',
      ]);
      expect(session.properties.created_at.pattern).toBe(
        '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$',
      );
      expect(session.properties.claimed_at.nullable).toBe(true);
    }
  });

  it('describes the error responses with the envelope', () => {
    const envelope = claim().responses['409']!.content!['application/json']!.schema;
    expect(envelope.required).toEqual(['error']);
    expect(envelope.properties.error.required).toEqual(['code', 'message']);
    expect(envelope.properties.error.properties.code.enum).toEqual(
      expect.arrayContaining([
        'realtime_session.not_claimable',
        'realtime_session.expired',
        'validation.failed',
      ]),
    );
  });

  it('secures both operations with ApiKeyAuth in the X-Api-Key header', () => {
    expect(document.components.securitySchemes.ApiKeyAuth).toEqual({
      type: 'apiKey',
      in: 'header',
      name: 'X-Api-Key',
    });
    expect(list().security).toEqual([{ ApiKeyAuth: [] }]);
    expect(claim().security).toEqual([{ ApiKeyAuth: [] }]);
  });

  it('is JSON: it survives a round trip unchanged', () => {
    expect(JSON.parse(JSON.stringify(document))).toEqual(document);
  });
});
