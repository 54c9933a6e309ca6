import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBuilt } from '@agentmc/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { ChatUsageError, loadChatConfig } from '../src/index.js';
import { useWorld } from './helpers.js';

// The program itself (`pnpm chat` runs dist/main.js): arguments and environment in, the
// conversation on stdin and stdout, exit codes out.

const chatDir = fileURLToPath(new URL('..', import.meta.url));
const main = path.join(chatDir, 'dist/main.js');
const world = useWorld();

beforeAll(() => ensureBuilt(chatDir), 120_000);

function runChatProgram(args: string[], env: Record<string, string>, stdin: string) {
  const child = spawn(process.execPath, [main, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.end(stdin);
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stdout, stderr })),
  );
}

describe('pnpm chat (dist/main.js)', () => {
  it('chats with the agent over stdin and stdout, and exits 0 at the end of the input', async () => {
    const w = await world();
    await w.startAgent();
    const run = await runChatProgram(
      ['--agent', String(w.agent.id)],
      { AGENTMC_API_KEY: w.user.key, AGENTMC_BASE_URL: w.server.baseUrl },
      'hi there\nbye\n',
    );
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toContain('agent> hi there\nagent> bye\n');
    expect(run.stdout).toMatch(/· session closed \(closed_by_user\)\n$/);
  });

  it('exits 2 with the usage when --agent or the key is missing', async () => {
    const run = await runChatProgram([], {}, '');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--agent ID is required\nAGENTMC_API_KEY is required/);
    expect(run.stderr).toMatch(/usage: AGENTMC_API_KEY=<user key> pnpm chat --agent ID/);
  });

  it('--help prints the usage, the environment it reads and the exit codes, and exits 0', async () => {
    const run = await runChatProgram(['--help'], {}, '');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: pnpm chat --agent ID/);
    expect(run.stdout).toMatch(/--agent <id>/);
    expect(run.stdout).toMatch(/AGENTMC_API_KEY[\s\S]*AGENTMC_BASE_URL/);
    expect(run.stderr).toBe('');
  });

  it('--version prints the package’s version and exits 0', async () => {
    const run = await runChatProgram(['--version'], {}, '');
    expect(run).toMatchObject({ code: 0, stdout: '0.1.0\n' });
  });

  it('exits 2 naming an unknown option', async () => {
    const run = await runChatProgram(['--agent', '1', '--colour'], { AGENTMC_API_KEY: 'k' }, '');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/unknown option '--colour'/);
  });

  it('exits 1 and says why when the API refuses the request', async () => {
    const w = await world();
    const run = await runChatProgram(
      ['--agent=999'],
      { AGENTMC_API_KEY: w.user.key, AGENTMC_BASE_URL: w.server.baseUrl },
      '',
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^agentmc chat: could not request a session \(404 resource\.not_found/,
    );
  });
});

describe('loadChatConfig', () => {
  it('reads --agent ID or --agent=ID, the key and the base URL', () => {
    const env = { AGENTMC_API_KEY: ' amc_x ', AGENTMC_BASE_URL: 'http://h:1/api/v1' };
    const expected = { apiKey: 'amc_x', baseUrl: 'http://h:1/api/v1', agentId: 3 };
    expect(loadChatConfig(['--agent', '3'], env)).toEqual(expected);
    expect(loadChatConfig(['--agent=3'], env)).toEqual(expected);
    expect(loadChatConfig(['--agent', '3'], { AGENTMC_API_KEY: 'k' }).baseUrl).toBeUndefined();
  });

  it('lists every problem at once', () => {
    const error = (() => {
      try {
        loadChatConfig(['--agent', '0', '--verbose'], { AGENTMC_BASE_URL: 'localhost' });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ChatUsageError);
    expect((error as ChatUsageError).problems).toEqual([
      "unknown option '--verbose'",
      '--agent must be a positive integer, got "0"',
      'AGENTMC_API_KEY is required: a person’s key (`pnpm admin key create --user ID`)',
      'AGENTMC_BASE_URL must be an http(s) URL such as http://localhost:3000/api/v1',
    ]);
  });
});
