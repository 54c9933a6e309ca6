import { ConfigError, loadConfig } from '../config.js';
import { busFor } from '../events/open-bus.js';
import { systemClock } from '../lib/clock.js';
import { createLogger } from '../logger.js';
import { Budgets } from '../sessions/budgets.js';
import { Sessions } from '../sessions/sessions.js';
import { openStore, type OpenStoreOptions } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { createRequire } from 'node:module';
import { API_BASE_PATH } from '@agentmc/contract';
import { CommanderError } from 'commander';
import {
  CommandError,
  ShellLines,
  UsageError,
  adminProgram,
  withTimestamps,
  type RunAction,
} from './admin.js';

/** The server package's version, for `--version` (from `src/cli` and `dist/cli` alike). */
const VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string })
  .version;

/** Where the CLI writes: standard output for results, standard error for messages. */
export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

/**
 * The admin CLI as a function: the arguments parsed by commander, configuration from `env`, a
 * store of its own on the database (opened only when a command runs, not for `--help`), the
 * command's output as JSON (or shell lines), and the exit code (1: the data refuses the command;
 * 2: a usage mistake or an invalid configuration). `dist/cli/main.js` runs it with the process's
 * environment and streams; tests run it in process.
 *
 * @example
 * const code = await runCli(['team', 'create', '--name', 'Acme'], process.env, {
 *   out: (text) => process.stdout.write(text),
 *   err: (text) => process.stderr.write(text),
 * });
 */
export async function runCli(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  output: CliOutput,
  deps: { openStore?: (options: OpenStoreOptions) => Promise<Store> } = {},
): Promise<number> {
  let printed: unknown;
  let ran = false;
  const run: RunAction = async (action) => {
    ran = true;
    const config = loadConfig(env);
    const store = await (deps.openStore ?? openStore)({
      databaseUrl: config.databaseUrl,
      poolSize: 2,
      statementTimeoutMs: config.databaseStatementTimeoutMs,
      connectTimeoutMs: config.databaseConnectTimeoutMs,
      ...(config.databaseSchema ? { schema: config.databaseSchema } : {}),
    });
    const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
    // Sessions requested here are announced to running servers through the same bus they use.
    const bus = busFor(store, {
      databaseUrl: config.databaseUrl,
      schema: config.databaseSchema,
      logger,
    });
    const sessions = new Sessions({
      store,
      bus,
      clock: systemClock,
      logger,
      config: { sessionTtlSeconds: config.sessionTtlSeconds, ...config.realtime },
      budgets: new Budgets({
        signalsPerMinute: config.realtime.signalsPerMinute,
        authFailuresPerMinute: config.authFailuresPerMinute,
      }),
    });
    try {
      printed = withTimestamps(
        await action({
          identity: store.identity,
          sessions,
          baseUrl: env.AGENTMC_BASE_URL ?? baseUrlOf(config),
          warn: (text) => output.err(text),
        }),
      );
    } finally {
      await bus.close();
      await store.close();
    }
  };
  const program = adminProgram(run, { version: VERSION, output });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // Asked-for help and the version exit 0; help after a bare group is a usage mistake.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof UsageError || error instanceof ConfigError) {
      output.err(`${error.message}\n`);
      return 2;
    }
    if (error instanceof CommandError) {
      output.err(`error: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
  if (!ran) return 2;
  output.out(
    printed instanceof ShellLines
      ? `${printed.lines.join('\n')}\n`
      : `${JSON.stringify(printed, null, 2)}\n`,
  );
  return 0;
}

/** The server's own base URL, as a client on this machine reaches it. */
function baseUrlOf(config: { host: string; port: number }): string {
  const host = ['0.0.0.0', '::', '127.0.0.1', '::1'].includes(config.host)
    ? 'localhost'
    : config.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.port}${API_BASE_PATH}`;
}
