import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBuilt, inspect, manualClock } from '@agentmc/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { requestSession, useHarness } from './helpers.js';

// The program itself (`pnpm agent` runs dist/main.js): environment in, JSON lines out, signals,
// exit codes.

const agentDir = fileURLToPath(new URL('..', import.meta.url));
const main = path.join(agentDir, 'dist/main.js');
const harness = useHarness();

beforeAll(() => ensureBuilt(agentDir), 120_000);

interface Run {
  readonly stdout: string[];
  readonly stderr: string[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
  /** Resolves with the first JSON line on stdout whose event is `event`. */
  line(event: string): Promise<Record<string, unknown>>;
}

function runAgent(env: Record<string, string>, args: string[] = []): Run {
  const child = spawn(process.execPath, [main, ...args], {
    env: {
      PATH: process.env.PATH ?? '',
      AGENTMC_POLL_MIN_MS: '20',
      AGENTMC_POLL_MAX_MS: '200',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const waiting: { event: string; resolve: (v: Record<string, unknown>) => void }[] = [];
  const seen = (parsed: Record<string, unknown>) => {
    for (const w of waiting.filter((w) => w.event === parsed.event)) w.resolve(parsed);
  };
  let buffered = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      stdout.push(line);
      // Logs are JSON lines; `--help` and `--version` print text.
      if (line.startsWith('{')) seen(JSON.parse(line) as Record<string, unknown>);
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    stdout,
    stderr,
    exited,
    kill: (signal) => child.kill(signal),
    line(event) {
      const found = stdout.map((l) => JSON.parse(l) as Record<string, unknown>);
      const hit = found.find((l) => l.event === event);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve) => waiting.push({ event, resolve }));
    },
  };
}

describe('pnpm agent (dist/main.js)', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    'logs each claim as one JSON line on stdout; on %s closes its sessions and exits 0',
    async (signal) => {
      const server = await harness.server();
      const team = await server.fixtures.team();
      const agent = await server.fixtures.agent(team.id);
      const run = runAgent({ AGENTMC_API_KEY: agent.key, AGENTMC_BASE_URL: server.baseUrl });
      await run.line('watch.ready');
      const session = await requestSession(server, agent.id);

      expect(await run.line('session.claimed')).toMatchObject({
        level: 'info',
        session_id: session.id,
        agent_id: agent.id,
        via: 'watch',
      });
      expect(await run.line('session.connected')).toMatchObject({ session_id: session.id });
      run.kill(signal);
      expect(await run.exited).toEqual({ code: 0, signal: null });
      expect(await run.line('agent.stopping')).toMatchObject({ signal });
      // A deliberate shutdown closes the session, and says why.
      expect(await run.line('session.closed')).toMatchObject({
        session_id: session.id,
        reason: 'agent_shutdown',
      });
      expect(await inspect(server.database).session(session.id)).toMatchObject({
        status: 'closed',
      });
      const signals = await inspect(server.database).signals(session.id);
      expect(signals.at(-1)).toMatchObject({ sender: 'system', type: 'session.status' });
      expect(JSON.parse(String(signals.at(-1)!.payload))).toEqual({
        status: 'closed',
        reason: 'agent_shutdown',
      });
      expect(run.stdout.at(-1)).toMatch(/"event":"agent\.stopped"/);
      expect(run.stderr.join('')).toBe('');
    },
  );

  it('a killed agent closes nothing: the server fails the session once heartbeats stop', async () => {
    const clock = manualClock();
    const server = await harness.server({ clock });
    const team = await server.fixtures.team();
    const agent = await server.fixtures.agent(team.id);
    const run = runAgent({ AGENTMC_API_KEY: agent.key, AGENTMC_BASE_URL: server.baseUrl });
    await run.line('watch.ready');
    const session = await requestSession(server, agent.id);
    await run.line('session.connected');
    run.kill('SIGKILL');
    expect(await run.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await inspect(server.database).session(session.id)).toMatchObject({
      status: 'active',
    });

    clock.advance(91); // past REALTIME_HEARTBEAT_TIMEOUT_SECONDS (90)
    await server.sweep();
    expect(await inspect(server.database).session(session.id)).toMatchObject({
      status: 'failed',
    });
  });

  it('stops with a clear message and exit code 1 when the API rejects the key', async () => {
    const server = await harness.server();
    const run = runAgent({ AGENTMC_API_KEY: 'amc_wrong', AGENTMC_BASE_URL: server.baseUrl });
    expect((await run.exited).code).toBe(1);
    expect(run.stderr.join('')).toMatch(
      /^agentmc agent: stopped: the API rejected the API key \(401 auth\.unauthenticated: .*\) on listAgentRealtimeRequestedSessions; check AGENTMC_API_KEY\n$/,
    );
  });

  it('exits 2 and names the problem when AGENTMC_API_KEY is missing', async () => {
    const run = runAgent({});
    expect((await run.exited).code).toBe(2);
    expect(run.stderr.join('')).toMatch(/Invalid configuration:\n {2}- AGENTMC_API_KEY: required/);
    expect(run.stdout).toEqual([]);
  });

  it('--help prints what it does, every setting it reads and the exit codes, and exits 0 without starting', async () => {
    const run = runAgent({}, ['--help']);
    expect((await run.exited).code).toBe(0);
    const help = run.stdout.join('\n');
    expect(help).toMatch(/^Usage: pnpm agent/);
    for (const name of [
      'AGENTMC_API_KEY',
      'AGENTMC_BASE_URL',
      'AGENTMC_WATCH',
      'AGENTMC_LOG_LEVEL',
    ]) {
      expect(help).toContain(name);
    }
    expect(run.stderr).toEqual([]);
  });

  it('--version prints the package’s version and exits 0', async () => {
    const run = runAgent({}, ['--version']);
    expect((await run.exited).code).toBe(0);
    expect(run.stdout).toEqual(['0.1.0']);
  });

  it('exits 2 on an argument instead of starting with it ignored', async () => {
    const run = runAgent({ AGENTMC_API_KEY: 'amc_x' }, ['--agent', '1']);
    expect((await run.exited).code).toBe(2);
    expect(run.stderr.join('')).toMatch(/unknown option '--agent'/);
  });
});
