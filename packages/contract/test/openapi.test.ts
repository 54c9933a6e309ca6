import SwaggerParser from '@apidevtools/swagger-parser';
import { SESSION_FIELDS } from '@agentmc/testkit/session-fields';
import type { OpenAPIV3 } from 'openapi-types';
import { describe, expect, it } from 'vitest';
import type { ZodTypeAny } from 'zod';
import { contract, createOpenApiDocument, EVERY_ROUTE_STATUSES } from '../src/index.js';

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

interface Document {
  openapi: string;
  servers: { url: string }[];
  tags: { name: string; description: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: {
    securitySchemes: Record<string, Record<string, string>>;
    schemas: Record<string, unknown>;
  };
}

/** The document as served, with its `$ref`s. */
const raw = createOpenApiDocument() as unknown as Document;
/** The same with every `$ref` replaced by what it names, for reading shapes. */
const document = (await SwaggerParser.dereference(
  structuredClone(raw) as unknown as OpenAPIV3.Document,
)) as unknown as Document;

/** The contract's operations: the document's paths less the operators' (tag `operations`). */
const contractOperations = (doc: Document) =>
  Object.entries(doc.paths).flatMap(([path, operations]) =>
    Object.entries(operations)
      .filter(([method]) => method !== 'servers')
      .map(([method, op]) => ({ path, method, op: op as Operation & { tags: string[] } }))
      .filter(({ op }) => !op.tags.includes('operations')),
  );

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
    const inDocument = contractOperations(document)
      .map(({ path, method, op }) => `${method} ${path} ${op.operationId}`)
      .sort();
    expect(inDocument).toEqual(fromContract);
  });

  it('lists every status of every route under its operation, as JSON with a description', () => {
    const operations = new Map(contractOperations(document).map(({ op }) => [op.operationId, op]));
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

  it('secures every operation with either scheme: X-Api-Key, or Authorization: Bearer', () => {
    expect(document.components.securitySchemes.ApiKeyAuth).toMatchObject({
      type: 'apiKey',
      in: 'header',
      name: 'X-Api-Key',
    });
    expect(document.components.securitySchemes.BearerAuth).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
    for (const { op } of contractOperations(document)) {
      expect(op.security, op.operationId).toEqual([{ ApiKeyAuth: [] }, { BearerAuth: [] }]);
    }
  });

  it('is JSON: it survives a round trip unchanged', () => {
    expect(JSON.parse(JSON.stringify(document))).toEqual(document);
  });
});

describe('the OpenAPI document, for a reader', () => {
  it('is a valid OpenAPI 3 document (swagger-parser validates it, $refs and all)', async () => {
    await expect(SwaggerParser.validate(structuredClone(raw) as never)).resolves.toBeDefined();
  });

  it('names its shared schemas as components and refers to them', () => {
    expect(Object.keys(raw.components.schemas)).toEqual(
      expect.arrayContaining([
        'AgentRealtimeSession',
        'AgentRealtimeSessionWithSocket',
        'ClaimedRealtimeSession',
        'RealtimeSignal',
        'RealtimeTicket',
        'ApiError',
        'CreateRealtimeSessionBody',
        'CreateRealtimeSignalBody',
        'CloseRealtimeSessionBody',
      ]),
    );
    const listed = (
      raw.paths[LIST_PATH]!.get!.responses['200']!.content!['application/json']!.schema as {
        properties: { data: { items: unknown } };
      }
    ).properties.data.items;
    expect(listed).toEqual({ $ref: '#/components/schemas/AgentRealtimeSession' });
    const error = raw.paths[CLAIM_PATH]!.post!.responses['409']!.content!['application/json']!
      .schema as { properties: { error: unknown } };
    expect(error.properties.error).toEqual({ $ref: '#/components/schemas/ApiError' });
    // Written out once, not in every operation: the served document stays small.
    expect(JSON.stringify(raw).length).toBeLessThan(100_000);
  });

  it('tags each operation agent, person or operations, and describes each tag', () => {
    expect(raw.tags.map((t) => t.name)).toEqual(['agent', 'person', 'operations']);
    for (const tag of raw.tags) expect(tag.description.length).toBeGreaterThan(20);
    for (const { op } of contractOperations(raw)) {
      const route = contract[op.operationId as keyof typeof contract];
      expect((op as unknown as { tags: string[] }).tags, op.operationId).toEqual([
        route.metadata.auth === 'agent' ? 'agent' : 'person',
      ]);
    }
    expect(raw.paths['/readyz']!.get).toMatchObject({ tags: ['operations'], security: [] });
    expect(raw.paths['/healthz']).toMatchObject({ servers: [{ url: '/' }] });
  });

  it('gives every operation a summary and a description', () => {
    for (const { op } of contractOperations(raw)) {
      const { summary, description } = op as unknown as { summary: string; description: string };
      expect(summary, op.operationId).toBeTruthy();
      expect(description.length, op.operationId).toBeGreaterThan(40);
    }
  });

  it('gives every response of every operation an example that its own schema accepts', () => {
    for (const { op } of contractOperations(raw)) {
      const route = contract[op.operationId as keyof typeof contract];
      for (const [status, response] of Object.entries(op.responses)) {
        const media = response.content!['application/json'] as { example?: unknown };
        expect(media.example, `${op.operationId} ${status}`).toBeDefined();
        const schema = (route.responses as Record<string, ZodTypeAny>)[status]!;
        const parsed = schema.safeParse(media.example);
        expect(parsed.success, `${op.operationId} ${status}: ${parsed.error?.message}`).toBe(true);
      }
    }
  });

  it('gives each error example the code its status travels with', () => {
    const codes: Record<string, RegExp> = {
      '401': /^auth\.unauthenticated$/,
      '403': /^auth\.forbidden$/,
      '404': /^resource\.not_found$/,
      '409': /^realtime_session\./,
      '413': /^request\.too_large$/,
      '415': /^request\.unsupported_encoding$/,
      '422': /^validation\.failed$/,
      '429': /^rate_limited$/,
      '500': /^internal$/,
      '503': /^service\.unavailable$/,
    };
    for (const { op } of contractOperations(raw)) {
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) < 400) continue;
        const example = (response.content!['application/json'] as unknown as { example: any })
          .example;
        expect(example.error.code, `${op.operationId} ${status}`).toMatch(codes[status]!);
      }
    }
  });

  it('lists only the statuses a route can answer: no 413 or 415 where nothing reads a body', () => {
    for (const { method, op } of contractOperations(raw)) {
      const statuses = Object.keys(op.responses).map(Number);
      for (const status of EVERY_ROUTE_STATUSES) expect(statuses).toContain(status);
      for (const status of [413, 415]) {
        if (method === 'get') expect(statuses, op.operationId).not.toContain(status);
        else expect(statuses, op.operationId).toContain(status);
      }
    }
    expect(Object.keys(raw.paths['/realtime/sessions']!.get!.responses)).not.toContain('404');
    expect(Object.keys(raw.paths['/agents/realtime/watch']!.post!.responses)).not.toContain('404');
  });
});
