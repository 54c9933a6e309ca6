import { generateOpenApi } from '@ts-rest/open-api';
import { API_BASE_PATH, contract, type RouteMetadata } from './contract.js';

/**
 * The generated document's type, named through `@ts-rest/open-api` so that packages importing
 * the contract resolve it (its own type package is a dependency of that package, not of theirs).
 */
export type OpenApiDocument = ReturnType<typeof generateOpenApi>;

/**
 * The OpenAPI 3 document of {@link contract}, generated, never written by hand.
 *
 * @example
 * app.get('/api/v1/openapi.json', (_req, res) => res.json(createOpenApiDocument()));
 */
export function createOpenApiDocument(
  options: { version?: string; serverUrl?: string } = {},
): OpenApiDocument {
  const document = generateOpenApi(
    contract,
    {
      info: {
        title: 'AgentMC realtime sessions API',
        version: options.version ?? '0.1.0',
      },
      servers: [{ url: options.serverUrl ?? API_BASE_PATH }],
      components: {
        securitySchemes: {
          ApiKeyAuth: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
        },
      },
    },
    {
      setOperationId: true,
      operationMapper: (operation, route) => ({
        ...operation,
        security: [{ ApiKeyAuth: [] }],
        'x-agentmc-principal': (route.metadata as RouteMetadata | undefined)?.auth,
      }),
    },
  );
  return document;
}
