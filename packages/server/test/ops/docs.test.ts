import { createAsyncApiDocument, createOpenApiDocument } from '@agentmc/contract';
import { expectError, send } from '@agentmc/testkit';
import { describe, expect, it } from 'vitest';
import { useWorld } from '../helpers.js';

describe('the API documents and the docs page', () => {
  const world = useWorld('sqlite', {}, { shared: true });

  it('serves the OpenAPI and AsyncAPI documents generated from the contract, without a key', async () => {
    const { api } = world();
    const openApi = await api.get('/openapi.json');
    expect(openApi.status).toBe(200);
    expect(openApi.body).toEqual(JSON.parse(JSON.stringify(createOpenApiDocument())));
    const asyncApi = await api.get('/asyncapi.json');
    expect(asyncApi.status).toBe(200);
    expect(asyncApi.headers.get('content-type')).toMatch(/^application\/json/);
    expect(asyncApi.body).toEqual(JSON.parse(JSON.stringify(createAsyncApiDocument())));
  });

  it('serves /api/v1/docs: an HTML page linking both documents, with the websockets’ frames', async () => {
    const { server } = world();
    const page = await send(`${server.baseUrl}/docs`, 'GET');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.text).toContain('href="/api/v1/openapi.json"');
    expect(page.text).toContain('href="/api/v1/asyncapi.json"');
    expect(page.text).toContain('/api/v1/realtime/sessions/{session}/socket');
    expect(page.text).toContain('session.requested');
  });

  it('serves every script and stylesheet the page loads from this server (no CDN)', async () => {
    const { server } = world();
    const page = await send(`${server.baseUrl}/docs`, 'GET');
    const assets = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.filter((url) => /^(https?:)?\/\//.test(url))).toEqual([]);
    const scripts = assets.filter((url) => url.endsWith('.js'));
    expect(scripts).toEqual(['/api/v1/docs/swagger-ui-bundle.js', '/api/v1/docs/init.js']);
    for (const asset of assets) {
      const reply = await send(`${server.origin}${asset}`, 'GET');
      expect(reply.status, asset).toBe(200);
    }
    const bundle = await fetch(`${server.origin}/api/v1/docs/swagger-ui-bundle.js`);
    expect(bundle.headers.get('content-type')).toMatch(/javascript/);
    expect((await bundle.text()).length).toBeGreaterThan(100_000);
    const init = await send(`${server.origin}/api/v1/docs/init.js`, 'GET');
    expect(init.text).toContain("url: '/api/v1/openapi.json'");
  });

  it('serves nothing else from the renderer’s package', async () => {
    const { server } = world();
    expectError(await send(`${server.baseUrl}/docs/index.html`, 'GET'), 404, 'resource.not_found');
    expectError(
      await send(`${server.baseUrl}/docs/package.json`, 'GET'),
      404,
      'resource.not_found',
    );
    expectError(
      await send(`${server.baseUrl}/docs/..%2Fpackage.json`, 'GET'),
      404,
      'resource.not_found',
    );
  });
});
