#!/usr/bin/env node
// `pnpm chat --agent ID`: the chat as a program. Arguments and environment in, the conversation
// on stdin/stdout, exit codes out; everything else is runChat (chat.ts), which tests drive.
import { AgentMCApi } from '@agentmc/api';
import { ChatError, runChat } from './chat.js';
import { chatProgram } from './cli.js';
import { ChatUsageError, loadChatConfigFromProcess, type ChatConfig } from './config.js';

/** Exit codes: 0 the chat ended, 1 it could not happen (refused, nobody claimed), 2 usage. */
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

// --help and --version print and exit 0; a mistake in the arguments is a usage error (2).
chatProgram()
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : EXIT_USAGE))
  .parse(process.argv);

let config: ChatConfig;
try {
  config = loadChatConfigFromProcess();
} catch (error) {
  if (!(error instanceof ChatUsageError)) throw error;
  console.error(`agentmc chat: ${error.message}`);
  process.exit(EXIT_USAGE);
}

// Ctrl-C (or SIGTERM) ends the chat: the session is closed, then the program exits.
const stop = new AbortController();
const onSignal = () => {
  if (stop.signal.aborted) process.exit(EXIT_FAILED);
  stop.abort();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

try {
  await runChat({
    api: new AgentMCApi({ apiKey: config.apiKey, baseUrl: config.baseUrl }),
    agentId: config.agentId,
    input: process.stdin,
    output: process.stdout,
    signal: stop.signal,
  });
  process.exitCode = 0;
} catch (error) {
  process.exitCode = EXIT_FAILED;
  console.error(
    `agentmc chat: ${error instanceof ChatError ? error.message : `failed: ${String(error)}`}`,
  );
}
// stdin may still hold the process open.
setTimeout(() => process.exit(), 200).unref();
process.stdin.pause();
