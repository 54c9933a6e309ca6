import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ensureBuilt, startTestServer, type TestServer } from '@agentmc/testkit';
import { publint } from 'publint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// What an app developer outside this repository gets: the packed tarballs of @agentmc/contract
// and @agentmc/api installed with npm into an empty project, the seeds' SDK examples
// type-checked there against the published .d.ts and run with node against a real server.
// Slow (it builds, packs and installs from the npm registry), so one setup serves every test.

const run = promisify(execFile);
const clientDir = fileURLToPath(new URL('..', import.meta.url));
const contractDir = path.resolve(clientDir, '../contract');
const SEEDS = ['claim-agent-realtime-session', 'list-agent-realtime-requested-sessions'] as const;

/** Versions the repository pins, so the empty project type-checks with the same compiler. */
function pinned(name: string): string {
  const require = (p: string) => JSON.parse(fs.readFileSync(p, 'utf8')) as { version: string };
  const manifest = path.join(clientDir, 'node_modules', name, 'package.json');
  return `${name}@${require(fs.realpathSync(manifest)).version}`;
}

/** Wrong calls in the consumer's project: they prove the published types are real, not `any`. */
const WRONG_CALLS = `import { AgentMCApi, AgentMCNetworkError } from '@agentmc/api';
import type { AgentRealtimeSession } from '@agentmc/contract';

const client = new AgentMCApi();
// @ts-expect-error session is a number
await client.operations.claimAgentRealtimeSession({ params: { path: { session: '1' } }, body: {} });
// @ts-expect-error agent_id is required
await client.operations.createRealtimeSession({ body: {} });
// @ts-expect-error no such operation
await client.operations.launchRocket();
const result = await client.operations.listAgentRealtimeRequestedSessions();
// @ts-expect-error 418 is not a status of this operation
if (result.status === 418) console.log('teapot');
if (!result.error) {
  const sessions: AgentRealtimeSession[] = result.data.data;
  console.log(sessions.length);
}
export const isNetworkError = (e: unknown) => e instanceof AgentMCNetworkError;
`;

let workDir: string;
let tarballs: string[] = [];
let projectDir: string;
let server: TestServer;

async function sh(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  try {
    return await run(command, args, {
      cwd,
      env: { ...process.env, ...env },
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const e = error as Error & { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed:\n${e.stdout ?? ''}\n${e.stderr ?? ''}`, {
      cause: error,
    });
  }
}

async function retryOnce<T>(attempt: () => Promise<T>): Promise<T> {
  try {
    return await attempt();
  } catch {
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    return attempt();
  }
}

beforeAll(async () => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentmc-pack-'));
  projectDir = path.join(workDir, 'consumer');
  fs.mkdirSync(projectDir);

  // pnpm pack rewrites `workspace:` and `catalog:` to versions, and packs dist as it is. Each
  // package is built here if its dist is older than its sources, and the client's prepack script
  // (that same build) is skipped: other packages' tests import these dist folders while this
  // runs beside them, so a fresh dist must not be rewritten under them.
  await ensureBuilt(contractDir, 'dist/index.js');
  await ensureBuilt(clientDir, 'dist/index.js');
  tarballs = [];
  for (const dir of [contractDir, clientDir]) {
    const before = new Set(fs.readdirSync(workDir));
    await sh('pnpm', ['pack', '--pack-destination', workDir, '--config.ignore-scripts=true'], dir);
    const packed = fs.readdirSync(workDir).filter((f) => f.endsWith('.tgz') && !before.has(f));
    expect(packed).toHaveLength(1);
    tarballs.push(path.join(workDir, packed[0]!));
  }

  fs.writeFileSync(
    path.join(projectDir, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  );
  // The registry is a network away: one retry keeps a transient failure from failing CI.
  await retryOnce(() =>
    sh(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        ...tarballs,
        pinned('typescript'),
        pinned('@types/node'),
      ],
      projectDir,
    ),
  );

  for (const seed of SEEDS) {
    fs.copyFileSync(
      path.join(clientDir, 'test/seeds', `${seed}.ts`),
      path.join(projectDir, `${seed}.ts`),
    );
  }
  fs.writeFileSync(path.join(projectDir, 'wrong-calls.ts'), WRONG_CALLS);
  fs.writeFileSync(
    path.join(projectDir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noUncheckedIndexedAccess: true,
        // Check the published declaration files too, not only the example.
        skipLibCheck: false,
        types: ['node'],
        outDir: 'out',
      },
      include: ['*.ts'],
    }),
  );
  server = await startTestServer();
}, 240_000);

afterAll(async () => {
  await server?.close();
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

describe('the packed tarballs in an empty project', () => {
  it('install from npm with their dependencies resolved: no workspace: or catalog: left', () => {
    for (const name of ['@agentmc/contract', '@agentmc/api']) {
      const manifest = fs.readFileSync(
        path.join(projectDir, 'node_modules', name, 'package.json'),
        'utf8',
      );
      expect(manifest).not.toMatch(/workspace:|catalog:/);
      const parsed = JSON.parse(manifest) as {
        exports: Record<string, unknown>;
        dependencies: Record<string, string>;
        peerDependencies: Record<string, string>;
      };
      // Browsers take the entry without ws; import and require (Node ≥ 20.19) the Node one.
      expect(parsed.exports['.']).toEqual(
        name === '@agentmc/api'
          ? {
              types: './dist/index.d.ts',
              browser: './dist/index.js',
              import: './dist/node.js',
              default: './dist/node.js',
            }
          : {
              types: './dist/index.d.ts',
              browser: './dist/index.js',
              import: './dist/index.js',
              default: './dist/index.js',
            },
      );
      // One zod and one @ts-rest/core for the app and both packages: peers, with ranges.
      expect(parsed.peerDependencies).toEqual({ '@ts-rest/core': '^3.52.1', zod: '^3.25.0' });
      expect(parsed.dependencies).not.toHaveProperty('zod');
      expect(parsed.dependencies).not.toHaveProperty('@ts-rest/core');
      expect(fs.existsSync(path.join(projectDir, 'node_modules', name, 'node_modules'))).toBe(
        false,
      );
    }
    expect(fs.existsSync(path.join(projectDir, 'node_modules/zod/package.json'))).toBe(true);
    const api = JSON.parse(
      fs.readFileSync(path.join(projectDir, 'node_modules/@agentmc/api/package.json'), 'utf8'),
    ) as { dependencies: Record<string, string> };
    expect(api.dependencies['@agentmc/contract']).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('pass publint and are-the-types-wrong (ESM only: require works through Node ≥ 20.19)', async () => {
    for (const tarball of tarballs) {
      const { messages } = await publint({
        pack: { tarball: new Uint8Array(fs.readFileSync(tarball)).buffer },
        level: 'suggestion',
      });
      expect(messages, path.basename(tarball)).toEqual([]);
      // CJSResolvesToESM: a CommonJS `require` gets the ESM build, which Node ≥ 20.19 loads.
      await sh(
        path.join(clientDir, 'node_modules/.bin/attw'),
        [tarball, '--ignore-rules', 'cjs-resolves-to-esm', '--format', 'ascii'],
        workDir,
      );
    }
  }, 120_000);

  it('load with require (CommonJS) and with import', async () => {
    fs.writeFileSync(
      path.join(projectDir, 'required.cjs'),
      `const api = require('@agentmc/api');
const contract = require('@agentmc/contract');
console.log(typeof api.AgentMCApi, typeof api.connectPersonSession, Object.keys(contract.contract).length);`,
    );
    const required = await sh(process.execPath, ['required.cjs'], projectDir);
    expect(required.stdout.trim()).toMatch(/^function function \d+$/);
    fs.writeFileSync(
      path.join(projectDir, 'imported.mjs'),
      `import { AgentMCApi, chatSignal } from '@agentmc/api';
console.log(typeof AgentMCApi, chatSignal('chat.user', 'hi').type);`,
    );
    const imported = await sh(process.execPath, ['imported.mjs'], projectDir);
    expect(imported.stdout.trim()).toBe('function message');
  }, 60_000);

  it('type-check the seeds’ SDK examples unchanged, and reject wrong calls (tsc, strict)', async () => {
    // One compile: the seeds must have no errors, and each @ts-expect-error in wrong-calls.ts
    // must meet one, or tsc reports it unused.
    await sh(path.join(projectDir, 'node_modules/.bin/tsc'), ['-p', '.'], projectDir);
    for (const seed of SEEDS)
      expect(fs.existsSync(path.join(projectDir, 'out', `${seed}.js`))).toBe(true);
  }, 120_000);

  it('run the seeds with node against a server: list, then claim, then claim again', async () => {
    const team = await server.fixtures.team();
    const agent = await server.fixtures.agent(team.id);
    const session = await server.fixtures.session({ agentId: agent.id });
    expect(session.id).toBe(1);
    const env = { AGENTMC_API_KEY: agent.key, AGENTMC_BASE_URL: server.baseUrl };
    const node = (seed: (typeof SEEDS)[number]) =>
      sh(process.execPath, [path.join('out', `${seed}.js`)], projectDir, env);

    const listed = await node('list-agent-realtime-requested-sessions');
    expect(listed.stderr).toBe('');
    expect(listed.stdout).toMatch(/status: 'requested'/);
    expect(listed.stdout).toMatch(/^\{\n {2}data: \[\n {4}\{\n {6}id: 1,/);

    const claimed = await node('claim-agent-realtime-session');
    expect(claimed.stderr).toBe('');
    expect(claimed.stdout).toMatch(/id: 1,/);
    expect(claimed.stdout).toMatch(/status: 'claimed'/);

    const again = await node('claim-agent-realtime-session');
    expect(again.stdout).toBe('');
    expect(again.stderr).toMatch(/^409 \{/);
    expect(again.stderr).toMatch(/code: 'realtime_session\.not_claimable'/);
  }, 60_000);
});
