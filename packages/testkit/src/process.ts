import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { migrating } from './schema-lock.js';

/** The built server entry point (`pnpm start` runs it), found through the server's package. */
const MAIN = path.join(
  path.dirname(createRequire(import.meta.url).resolve('@agentmc/server/package.json')),
  'dist/main.js',
);

export interface ServerProcess {
  /** `http://127.0.0.1:PORT/api/v1` */
  readonly baseUrl: string;
  readonly origin: string;
  readonly child: ChildProcess;
  /** Sends SIGTERM and waits for the exit code. */
  stop(): Promise<number | null>;
}

/** A port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts the real server (`node dist/main.js`) as its own process, and resolves once its
 * `/healthz` answers. What it printed is kept for the error message if it fails to start.
 *
 * @example
 * const replica = await spawnServer({ DATABASE_URL: 'postgres://…', DATABASE_SCHEMA: 's1' });
 * await fetch(`${replica.baseUrl}/openapi.json`);
 * await replica.stop();
 */
export async function spawnServer(
  env: Record<string, string>,
  options: {
    timeoutMs?: number;
    nodeArgs?: readonly string[];
    /** The process's limit on open files (`ulimit -n`), as a small machine would have it. */
    openFileLimit?: number;
    /** Where to take the test runs' schema lock, when `DATABASE_URL` goes through a proxy. */
    lockUrl?: string;
    /** The port to listen on (a restarted server's old one); a free one by default. */
    port?: number;
  } = {},
): Promise<ServerProcess> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const port = options.port ?? (await freePort());
  // It migrates its database before it listens: no test schema is dropped meanwhile.
  return migrating(options.lockUrl ?? env.DATABASE_URL ?? '', () =>
    start(env, port, timeoutMs, options.nodeArgs, options.openFileLimit),
  );
}

async function start(
  env: Record<string, string>,
  port: number,
  timeoutMs: number,
  nodeArgs: readonly string[] = [],
  openFileLimit?: number,
): Promise<ServerProcess> {
  const node = [process.execPath, ...nodeArgs, MAIN];
  // `exec` keeps the process id: stopping the shell's child is stopping the server.
  const [command, ...args] =
    openFileLimit === undefined
      ? node
      : ['/bin/sh', '-c', `ulimit -n ${openFileLimit} && exec "$0" "$@"`, ...node];
  const child = spawn(command!, args, {
    // No metrics listener unless a test asks for one: replicas would share its port.
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      METRICS_PORT: '0',
      ...env,
      PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    if (output.length < 200) output.push(chunk.toString());
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`server exited with ${child.exitCode} before listening:\n${output.join('')}`);
    }
    try {
      if ((await fetch(`${origin}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not start within ${timeoutMs} ms:\n${output.join('')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    baseUrl: `${origin}/api/v1`,
    origin,
    child,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
