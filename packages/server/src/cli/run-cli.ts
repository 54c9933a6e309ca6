import { ConfigError, loadConfig } from '../config.js';
import { busFor } from '../events/open-bus.js';
import { systemClock } from '../lib/clock.js';
import { createLogger } from '../logger.js';
import { Budgets } from '../sessions/budgets.js';
import { Sessions } from '../sessions/sessions.js';
import { openStore, type OpenStoreOptions } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { CommandError, runAdmin, USAGE, UsageError } from './admin.js';

/** Where the CLI writes: standard output for results, standard error for messages. */
export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

/**
 * The admin CLI as a function: configuration from `env`, a store of its own on the database, the
 * command's output as JSON, and the exit code (1: the data refuses the command; 2: a usage
 * mistake or an invalid configuration). `dist/cli/main.js` runs it with the process's
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
  let config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      output.err(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === 'help') {
    // Asked-for help is output; usage after a bare invocation is an error message.
    if (argv.length === 0) {
      output.err(`${USAGE}\n`);
      return 2;
    }
    output.out(`${USAGE}\n`);
    return 0;
  }
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
    const result = await runAdmin(argv, {
      identity: store.identity,
      sessions,
      baseUrl: env.AGENTMC_BASE_URL ?? `http://localhost:${config.port}/api/v1`,
    });
    output.out(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      output.err(`${error.message}\n`);
      return 2;
    }
    if (error instanceof CommandError) {
      output.err(`error: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    await bus.close();
    await store.close();
  }
}
