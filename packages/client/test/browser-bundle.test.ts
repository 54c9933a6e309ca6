import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBuilt } from '@agentmc/testkit';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';

// What a web app's bundler makes of `@agentmc/api`: esbuild, for the browser, from the built
// packages as they are published, resolving the package by name through its `exports`.

const clientDir = fileURLToPath(new URL('..', import.meta.url));
const contractDir = path.resolve(clientDir, '../contract');
const NODE_BUILTINS = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

beforeAll(async () => {
  await ensureBuilt(contractDir, 'dist/index.js');
  await ensureBuilt(clientDir, 'dist/index.js');
}, 120_000);

async function bundle(platform: 'browser' | 'node') {
  const result = await build({
    stdin: {
      contents: `export { AgentMCApi, connectPersonSession, chatSignal } from '@agentmc/api';`,
      resolveDir: clientDir,
      loader: 'js',
    },
    bundle: true,
    platform,
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
    // As an app outside this repository would: the package's `exports`, not our tsconfig paths.
    tsconfigRaw: '{}',
    // A Node build leaves ws to the runtime (and the built-ins, always).
    ...(platform === 'node' ? { external: ['ws'] } : {}),
  });
  const inputs = Object.keys(result.metafile.inputs).map((input) => path.resolve(input));
  const imports = Object.values(result.metafile.inputs).flatMap((input) =>
    input.imports.map((i) => i.path),
  );
  return { inputs, imports, text: result.outputFiles[0]!.text };
}

describe('@agentmc/api bundled for the browser (esbuild, platform browser)', () => {
  it('bundles from the browser entry, with no Node.js built-in and no ws', async () => {
    const { inputs, imports, text } = await bundle('browser');
    expect(inputs.some((i) => i.endsWith('packages/client/dist/index.js'))).toBe(true);
    expect(inputs.some((i) => i.endsWith('packages/client/dist/node.js'))).toBe(false);
    expect(inputs.filter((i) => /node_modules\/(\.pnpm\/)?ws[@/]/.test(i))).toEqual([]);
    expect(imports.filter((i) => NODE_BUILTINS.has(i))).toEqual([]);
    expect(text).not.toMatch(/\bfrom\s*["']node:|require\(["']node:/);
    // The bundle is the client: the contract's routes and the facade are in it.
    expect(text).toContain('/realtime/sessions/:session/close');
    expect(text).toContain('AgentMCApi');
  });

  it('takes the Node.js entry, with ws, for Node', async () => {
    const { inputs, imports } = await bundle('node');
    expect(inputs.some((i) => i.endsWith('packages/client/dist/node.js'))).toBe(true);
    expect(imports).toContain('ws');
  });
});
