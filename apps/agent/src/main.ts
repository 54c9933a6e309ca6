#!/usr/bin/env node
// The sample agent as a program: configuration from the environment, signals, exit codes.
// Everything else is the library (agent.ts), which tests drive in-process.
import { AgentMCApi } from '@agentmc/api';
import { Agent } from './agent.js';
import { agentProgram } from './cli.js';
import { AgentConfigError, loadAgentConfigFromProcess, type AgentConfig } from './config.js';
import { AgentAuthError } from './errors.js';
import { createJsonLogger } from './logger.js';

/** Exit codes: 0 stopped by a signal, 1 stopped by the API (401/403) or a fault, 2 bad config. */
const EXIT_FAILED = 1;
const EXIT_CONFIG = 2;

// --help and --version print and exit 0; any argument is a usage error (2): the agent is
// configured by its environment alone, and must not start on a mistyped flag.
agentProgram()
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : EXIT_CONFIG))
  .parse(process.argv);

let config: AgentConfig;
try {
  config = loadAgentConfigFromProcess();
} catch (error) {
  if (!(error instanceof AgentConfigError)) throw error;
  console.error(`agentmc agent: ${error.message}`);
  process.exit(EXIT_CONFIG);
}

const logger = createJsonLogger({ level: config.logLevel });
const agent = new Agent({
  api: new AgentMCApi({
    apiKey: config.apiKey,
    baseUrl: config.baseUrl,
    timeoutMs: config.requestTimeoutMs,
  }),
  logger,
  watch: config.watch,
  reconcileMs: config.reconcileMs,
  pollMinMs: config.pollMinMs,
  pollMaxMs: config.pollMaxMs,
  listLimit: config.listLimit,
});

let signalled = false;
const onSignal = (signal: NodeJS.Signals) => {
  if (signalled) {
    // A second signal: the operator does not want to wait for handlers.
    logger.warn('agent.killed', { signal });
    process.exit(EXIT_FAILED);
  }
  signalled = true;
  // A deliberate shutdown: the agent closes its open sessions (reason agent_shutdown). A crash
  // never gets here, and leaves the server to fail them once their heartbeats stop.
  logger.info('agent.stopping', { signal });
  void agent.stop();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

try {
  await agent.start();
  process.exitCode = 0;
} catch (error) {
  process.exitCode = EXIT_FAILED;
  if (error instanceof AgentAuthError) {
    console.error(`agentmc agent: stopped: ${error.message}`);
  } else {
    console.error('agentmc agent: stopped by an unexpected error:', error);
  }
}
// Idle keep-alive sockets must not hold the exit up.
setTimeout(() => process.exit(), 1_000).unref();
