#!/usr/bin/env node
import { ConfigError, loadConfig } from '../config.js';
import { busFor } from '../events/open-bus.js';
import { systemClock } from '../lib/clock.js';
import { createLogger } from '../logger.js';
import { Sessions } from '../sessions/sessions.js';
import { openStore } from '../store/open-store.js';
import { CommandError, runAdmin, UsageError } from './admin.js';

// The only module of the CLI that reads the environment.
async function main(argv: string[]): Promise<number> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      return 2;
    }
    throw error;
  }
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === 'help') {
    const { USAGE } = await import('./admin.js');
    // Asked-for help is output; usage after a bare invocation is an error message.
    if (argv.length === 0) {
      console.error(USAGE);
      return 2;
    }
    console.log(USAGE);
    return 0;
  }
  const store = await openStore({
    databaseUrl: config.databaseUrl,
    poolSize: 2,
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
  });
  try {
    const output = await runAdmin(argv, {
      identity: store.identity,
      sessions,
      baseUrl: process.env.AGENTMC_BASE_URL ?? `http://localhost:${config.port}/api/v1`,
    });
    process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(error.message);
      return 2;
    }
    if (error instanceof CommandError) {
      console.error(`error: ${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    await bus.close();
    await store.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
