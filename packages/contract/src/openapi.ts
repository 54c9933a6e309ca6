import { extendApi } from '@anatine/zod-openapi';
import { generateOpenApi } from '@ts-rest/open-api';
import type { ZodTypeAny } from 'zod';
import { API_BASE_PATH, contract, type OperationId, type RouteMetadata } from './contract.js';
import { BrowserToken, CreateBrowserTokenBody, TeamAgent } from './browser.js';
import { ErrorEnvelope } from './errors.js';
import {
  ERROR_EXAMPLES,
  OPERATION_ERROR_EXAMPLES,
  PERSON_FORBIDDEN_EXAMPLE,
  SUCCESS_EXAMPLES,
} from './examples.js';
import {
  AgentRealtimeSessionWithSocket,
  ClaimedSessionEnvelope,
  CloseRealtimeSessionBody,
  RealtimeTicket,
} from './realtime.js';
import { AgentRealtimeSession, CreateRealtimeSessionBody } from './session.js';
import { CreateRealtimeSignalBody, RealtimeSignal } from './signal.js';

/**
 * The generated document's type, named through `@ts-rest/open-api` so that packages importing
 * the contract resolve it (its own type package is a dependency of that package, not of theirs).
 */
export type OpenApiDocument = ReturnType<typeof generateOpenApi>;

/**
 * The schemas the document names under `components.schemas` and refers to with `$ref`, instead
 * of writing them out in every operation. `@ts-rest/open-api` hoists any schema with a title.
 */
const COMPONENT_SCHEMAS: Record<string, ZodTypeAny> = {
  AgentRealtimeSession,
  AgentRealtimeSessionWithSocket,
  ClaimedRealtimeSession: ClaimedSessionEnvelope.shape.data,
  RealtimeTicket,
  RealtimeSignal,
  ApiError: ErrorEnvelope.shape.error,
  CreateRealtimeSessionBody,
  CreateRealtimeSignalBody,
  CloseRealtimeSessionBody,
  BrowserToken,
  CreateBrowserTokenBody,
  TeamAgent,
};

/** The three groups of operations, in the order a reader meets them. */
export const OPENAPI_TAGS = [
  {
    name: 'agent',
    description:
      'An agent’s API key: the requested sessions, the claim, and the agent’s side of a session after it (signals, close, websocket tickets, the watch).',
  },
  {
    name: 'person',
    description:
      'A person’s (user) API key, or a browser token minted with it: the team’s agents and their presence, request a session with one of them, read it, send and read signals, close it.',
  },
  {
    name: 'operations',
    description:
      'For operators and tools: liveness and readiness probes (at the server’s root, not under /api/v1) and these documents. No key needed.',
  },
];

/** Either header carries the key: `X-Api-Key`, or `Authorization: Bearer`. */
const SECURITY: Record<string, string[]>[] = [{ ApiKeyAuth: [] }, { BearerAuth: [] }];

const TAG_OF: Record<RouteMetadata['auth'], string> = { agent: 'agent', user: 'person' };

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object, example: unknown) => ({
  'application/json': { schema, example },
});

/** The probes and documents: not in the ts-rest contract (no key, not JSON-enveloped data). */
function operationsPaths() {
  const atRoot = [{ url: '/', description: 'The server’s root: probes are not under /api/v1.' }];
  const unavailable = {
    description: 'The database does not answer; `Retry-After` says when to look again.',
    content: json({ type: 'object', properties: { error: ref('ApiError') } }, ERROR_EXAMPLES[503]),
  };
  const document = (id: string, summary: string, description: string) => ({
    get: {
      operationId: id,
      tags: ['operations'],
      summary,
      security: [],
      responses: {
        200: { description, content: { 'application/json': { schema: { type: 'object' } } } },
      },
    },
  });
  return {
    '/healthz': {
      servers: atRoot,
      get: {
        operationId: 'getHealth',
        tags: ['operations'],
        summary: 'Liveness: the process answers.',
        description: 'Point a process supervisor here. It never touches the database.',
        security: [],
        responses: {
          200: {
            description: 'The process is alive.',
            content: json(
              { type: 'object', properties: { status: { type: 'string', enum: ['ok'] } } },
              { status: 'ok' },
            ),
          },
        },
      },
    },
    '/readyz': {
      servers: atRoot,
      get: {
        operationId: 'getReadiness',
        tags: ['operations'],
        summary: 'Readiness: the database answers.',
        description:
          'Point the load balancer’s health check here: 503 while the database is unreachable (and while the server drains on SIGTERM, once it has stopped accepting).',
        security: [],
        responses: {
          200: {
            description: 'Ready: the database answered.',
            content: json(
              {
                type: 'object',
                properties: {
                  status: { type: 'string', enum: ['ok'] },
                  store: { type: 'string', enum: ['sqlite', 'postgres'] },
                },
              },
              { status: 'ok', store: 'postgres' },
            ),
          },
          503: unavailable,
        },
      },
    },
    '/openapi.json': document(
      'getOpenApiDocument',
      'This OpenAPI document.',
      'The HTTP API, generated from the contract.',
    ),
    '/asyncapi.json': document(
      'getAsyncApiDocument',
      'The AsyncAPI 3 document of the websockets.',
      'The session and watch sockets: every frame each side sends, generated from the contract’s frame schemas.',
    ),
    '/docs': {
      get: {
        operationId: 'getDocs',
        tags: ['operations'],
        summary: 'The docs page: this document, readable, with a link to the websockets’ document.',
        security: [],
        responses: {
          200: {
            description: 'An HTML page.',
            content: { 'text/html': { schema: { type: 'string' } } },
          },
        },
      },
    },
  };
}

interface MediaType {
  schema?: unknown;
  example?: unknown;
}
interface Operation {
  operationId: string;
  responses: Record<string, { content?: Record<string, MediaType> }>;
}

/** The example of one response of one operation, from `examples.ts`. */
function exampleOf(id: OperationId, status: number, auth: RouteMetadata['auth'] | undefined) {
  const success = SUCCESS_EXAMPLES[id];
  if (status < 300) {
    // An idempotent repeat (200 beside a 201) answers the same signal as the first write.
    return success.body;
  }
  if (status === 403 && auth === 'user') return PERSON_FORBIDDEN_EXAMPLE;
  return OPERATION_ERROR_EXAMPLES[id]?.[status] ?? ERROR_EXAMPLES[status];
}

/**
 * The OpenAPI 3 document of {@link contract}, generated, never written by hand: named component
 * schemas, the operations tagged by who calls them (agent, person) beside the operators' probes,
 * a description and an example for every operation and response, and both ways to send a key.
 *
 * @example
 * app.get('/api/v1/openapi.json', (_req, res) => res.json(createOpenApiDocument()));
 */
export function createOpenApiDocument(
  options: { version?: string; serverUrl?: string } = {},
): OpenApiDocument {
  for (const [title, schema] of Object.entries(COMPONENT_SCHEMAS)) extendApi(schema, { title });
  const document = generateOpenApi(
    contract,
    {
      info: {
        title: 'AgentMC realtime sessions API',
        version: options.version ?? '0.1.0',
        description:
          'A person asks to talk to one of their team’s AI agents in real time: that creates a realtime session. The agent lists the sessions requested for it, claims one (exactly one claimer wins), and both sides exchange signals over a websocket — described in the AsyncAPI document at `/api/v1/asyncapi.json` — until the session is closed, fails or expires. Every error is the envelope `{"error": {"code", "message", "details"?}}`.',
        license: { name: 'MIT' },
      },
      servers: [{ url: options.serverUrl ?? API_BASE_PATH }],
      tags: OPENAPI_TAGS,
      components: {
        securitySchemes: {
          ApiKeyAuth: {
            type: 'apiKey',
            in: 'header',
            name: 'X-Api-Key',
            description:
              'An API key (`amc_…`) from `pnpm admin key create`: an agent’s or a user’s.',
          },
          BearerAuth: {
            type: 'http',
            scheme: 'bearer',
            description: 'The same API key as `Authorization: Bearer <key>`.',
          },
        },
      },
    },
    {
      setOperationId: true,
      operationMapper: (operation, route) => {
        const id = (operation as Operation).operationId as OperationId;
        const auth = (route.metadata as RouteMetadata | undefined)?.auth;
        const responses = Object.fromEntries(
          Object.entries((operation as Operation).responses).map(([status, response]) => {
            const media = response.content?.['application/json'];
            if (!media) return [status, response];
            const example = exampleOf(id, Number(status), auth);
            return [
              status,
              { ...response, content: { 'application/json': { ...media, example } } },
            ];
          }),
        );
        return {
          ...operation,
          tags: auth ? [TAG_OF[auth]] : [],
          responses,
          security: SECURITY,
          'x-agentmc-principal': auth,
        };
      },
    },
  );
  return { ...document, paths: { ...document.paths, ...operationsPaths() } };
}
