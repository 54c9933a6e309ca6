import { createRequire } from 'node:module';
import path from 'node:path';
import {
  API_BASE_PATH,
  createAsyncApiDocument,
  createOpenApiDocument,
  type AsyncApiDocument,
} from '@agentmc/contract';
import express, { type Router } from 'express';
import { noteRoute } from './request-log.js';

// swagger-ui-dist ships the renderer's browser files; they are served from the installed package,
// never from a CDN, so the docs page works offline and behind a strict egress policy.
const SWAGGER_UI_DIR = path.dirname(
  createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'),
);
const SWAGGER_UI_FILES = new Set(['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png']);

const DOCS = `${API_BASE_PATH}/docs`;

/**
 * The API's documents, generated from the contract once at start: `openapi.json` (HTTP),
 * `asyncapi.json` (websockets), and `docs`, a page that renders the first with Swagger UI and
 * summarises the second, linking both.
 */
export function docsRouter(): Router {
  const openApi = createOpenApiDocument();
  const asyncApi = createAsyncApiDocument();
  const page = docsPage(asyncApi);
  const router = express.Router();
  router.get('/openapi.json', noteRoute(`${API_BASE_PATH}/openapi.json`), (_req, res) => {
    res.json(openApi);
  });
  router.get('/asyncapi.json', noteRoute(`${API_BASE_PATH}/asyncapi.json`), (_req, res) => {
    res.json(asyncApi);
  });
  router.get('/docs', noteRoute(DOCS), (_req, res) => {
    res
      .type('html')
      .setHeader(
        'Content-Security-Policy',
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'",
      )
      .send(page);
  });
  router.get('/docs/init.js', noteRoute(`${DOCS}/init.js`), (_req, res) => {
    res.type('js').send(initScript);
  });
  router.get('/docs/:file', noteRoute(`${DOCS}/:file`), (req, res, next) => {
    if (!SWAGGER_UI_FILES.has(req.params.file!)) return next();
    res.sendFile(req.params.file!, { root: SWAGGER_UI_DIR, maxAge: '1d' });
  });
  return router;
}

const initScript = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '${API_BASE_PATH}/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    docExpansion: 'list',
    defaultModelsExpandDepth: 0,
  });
});
`;

const escape = (text: string) =>
  text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`).replace(/`([^`]+)`/g, '<code>$1</code>');

interface AsyncChannel {
  address: string;
  title: string;
  description: string;
  messages: Record<string, { $ref: string }>;
}
interface AsyncMessage {
  title: string;
  summary: string;
}

/** The websockets' frames, listed from the AsyncAPI document, above the rendered OpenAPI. */
function docsPage(asyncApi: AsyncApiDocument): string {
  const channels = asyncApi.channels as Record<string, AsyncChannel>;
  const messages = (asyncApi.components as { messages: Record<string, AsyncMessage> }).messages;
  const sockets = Object.values(channels)
    .map((channel) => {
      const frames = Object.keys(channel.messages)
        .map((name) => messages[name]!)
        .map((m) => `<li><b>${escape(m.title)}</b> — ${escape(m.summary)}</li>`)
        .join('');
      return `<h3>${escape(channel.title)}: <code>${API_BASE_PATH}${escape(channel.address)}</code></h3>
<p>${escape(channel.description)}</p><ul>${frames}</ul>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>AgentMC realtime sessions API</title>
<link rel="icon" href="${DOCS}/favicon-32x32.png">
<link rel="stylesheet" href="${DOCS}/swagger-ui.css">
<style>
  body { margin: 0; font-family: sans-serif; }
  header, section.sockets { max-width: 1460px; margin: 0 auto; padding: 0 20px; }
  header h1 { margin: 24px 0 8px; }
  section.sockets { font-size: 14px; line-height: 1.5; }
  section.sockets li { margin: 4px 0; }
</style>
</head>
<body>
<header>
  <h1>AgentMC realtime sessions API</h1>
  <p>Documents generated from the contract:
    <a href="${API_BASE_PATH}/openapi.json">OpenAPI 3 (HTTP)</a> ·
    <a href="${API_BASE_PATH}/asyncapi.json">AsyncAPI 3 (websockets)</a></p>
</header>
<section class="sockets">
<h2>Websockets</h2>
${sockets}
</section>
<div id="swagger-ui"></div>
<script src="${DOCS}/swagger-ui-bundle.js"></script>
<script src="${DOCS}/init.js"></script>
</body>
</html>
`;
}
