import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempSqliteUrl } from '@agentmc/testkit';
import { afterEach, describe, expect, it } from 'vitest';

// Running it as an operator does: `pnpm start` from the repository's root, and the folder that
// `pnpm deploy:server` makes, started with node alone.

const ROOT = fileURLToPath(new URL('../../../..', import.meta.url));

interface Started {
  readonly child: ChildProcess;
  readonly lines: Record<string, unknown>[];
  readonly exited: Promise<number | null>;
  /** The first log line with this message. */
  line(msg: string): Promise<Record<string, unknown>>;
}

const started: Started[] = [];
afterEach(() => {
  for (const { child } of started.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

/** Starts a command and reads the server's JSON log lines from its stdout. */
function start(command: string, args: string[], cwd: string, env: Record<string, string>) {
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, PORT: '0', METRICS_PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  const waiting: { msg: string; resolve: (line: Record<string, unknown>) => void }[] = [];
  let buffered = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    for (const text of parts.filter((t) => t.startsWith('{'))) {
      const line = JSON.parse(text) as Record<string, unknown>;
      lines.push(line);
      for (const w of waiting.filter((w) => w.msg === line.msg)) w.resolve(line);
    }
  });
  child.stderr.resume();
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const run: Started = {
    child,
    lines,
    exited,
    line: (msg) =>
      new Promise((resolve, reject) => {
        const seen = lines.find((l) => l.msg === msg);
        if (seen) return resolve(seen);
        waiting.push({ msg, resolve });
        void exited.then((code) => reject(new Error(`exited with ${code} before "${msg}"`)));
      }),
  };
  started.push(run);
  return run;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('pnpm start', () => {
  it('hands SIGTERM to the server: it drains, logs "stopped", and no process is left', async () => {
    const run = start('pnpm', ['start'], ROOT, { DATABASE_URL: tempSqliteUrl('start') });
    const listening = await run.line('AgentMC server listening');
    const url = listening.url as string;
    const serverPid = listening.pid as number;
    expect(serverPid).not.toBe(run.child.pid);
    expect((await fetch(url.replace(/\/api\/v1$/, '/readyz'))).status).toBe(200);

    run.child.kill('SIGTERM'); // to pnpm, as a supervisor or `docker stop` would

    expect(await run.exited).toBe(0);
    expect(run.lines.map((l) => l.msg)).toEqual(
      expect.arrayContaining(['shutting down', 'stopped']),
    );
    expect(run.lines.find((l) => l.msg === 'shutting down')).toMatchObject({ signal: 'SIGTERM' });
    expect(alive(serverPid)).toBe(false);
    await expect(fetch(url.replace(/\/api\/v1$/, '/healthz'))).rejects.toThrow();
  }, 180_000);
});

describe('pnpm deploy:server', () => {
  it('makes a self-contained folder that runs with node alone, and answers', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'agentmc-deploy-'));
    const target = path.join(out, 'server');
    try {
      const deploy = start('pnpm', ['--silent', 'deploy:server', target], ROOT, {});
      expect(await deploy.exited).toBe(0);
      expect(fs.existsSync(path.join(target, 'dist/main.js'))).toBe(true);
      // Production dependencies only, and no source or tests.
      expect(fs.existsSync(path.join(target, 'node_modules/vitest'))).toBe(false);
      expect(fs.existsSync(path.join(target, 'src'))).toBe(false);

      // Moved elsewhere, away from the workspace, it still runs: nothing points back into it.
      const moved = path.join(out, 'moved');
      fs.renameSync(target, moved);
      const server = start(process.execPath, ['dist/main.js'], moved, {
        DATABASE_URL: path.join(out, 'agentmc.sqlite'),
      });
      const url = (await server.line('AgentMC server listening')).url as string;
      expect(await (await fetch(url.replace(/\/api\/v1$/, '/readyz'))).json()).toEqual({
        status: 'ok',
        store: 'sqlite',
      });
      expect((await fetch(`${url}/docs`)).status).toBe(200);
      const unauthenticated = await fetch(`${url}/agents/realtime/sessions/requested`);
      expect(unauthenticated.status).toBe(401);
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 400_000);
});
