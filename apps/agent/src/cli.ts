import { createRequire } from 'node:module';
import { Command } from 'commander';

/** This package's version, for `--version`. */
export const AGENT_VERSION = (
  createRequire(import.meta.url)('../package.json') as { version: string }
).version;

/**
 * `pnpm agent`'s command line: only `--help` and `--version`; everything else is read from the
 * environment (see `config.ts`), which the help lists with the defaults.
 */
export function agentProgram(): Command {
  return new Command('pnpm agent')
    .usage('(configured by the environment)')
    .description(
      'The sample agent: holds a watch socket, claims each session requested for it, answers each message (an echo until a MessageHandler is plugged in), and on SIGINT or SIGTERM closes its sessions and exits.',
    )
    .version(AGENT_VERSION, '-v, --version')
    .addHelpText(
      'after',
      `
Environment:
  AGENTMC_API_KEY             required: an agent's key (\`pnpm admin key create --agent ID\`)
  AGENTMC_BASE_URL            the API, default http://localhost:3000/api/v1
  AGENTMC_WATCH               true: claim from the watch socket's pushes (default true)
  AGENTMC_RECONCILE_MS        the list poll's interval while watching (30000, at least 30000)
  AGENTMC_POLL_MIN_MS         without the watch, the first wait after an empty list (1000)
  AGENTMC_POLL_MAX_MS         without the watch, the longest wait between polls (30000)
  AGENTMC_LIST_LIMIT          sessions fetched per poll, 1..100 (20)
  AGENTMC_REQUEST_TIMEOUT_MS  a request without an answer by then is retried (10000)
  AGENTMC_LOG_LEVEL           debug, info, warn, error or silent (info)

Exit codes: 0 stopped by a signal, 1 stopped by the API (401/403) or a fault, 2 bad configuration.
Example: AGENTMC_API_KEY=$AGENT_KEY pnpm agent`,
    )
    .allowExcessArguments(false);
}
