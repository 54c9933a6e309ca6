import { createRequire } from 'node:module';
import { Command } from 'commander';

/** This package's version, for `--version`. */
export const CHAT_VERSION = (
  createRequire(import.meta.url)('../package.json') as { version: string }
).version;

/**
 * `pnpm chat`'s command line: `--agent ID`, `--help` and `--version`; the key and the API's
 * address come from the environment, which the help lists.
 *
 * @example
 * const agent = chatProgram().parse(['--agent', '3'], { from: 'user' }).opts().agent; // '3'
 */
export function chatProgram(): Command {
  return new Command('pnpm chat')
    .usage('--agent ID')
    .description(
      'Talk to one of your team’s agents in this terminal: requests a session, waits for the claim, sends each line you type and prints the replies. Ctrl-C or the end of input closes the session.',
    )
    .version(CHAT_VERSION, '-v, --version')
    .option('--agent <id>', 'the agent to talk to (an id from `pnpm admin agent list`)')
    .addHelpText(
      'after',
      `
Environment:
  AGENTMC_API_KEY   required: a person's (user) key, from \`pnpm admin key create --user ID\`
  AGENTMC_BASE_URL  the API, default http://localhost:3000/api/v1

Exit codes: 0 the chat ended, 1 it could not happen (refused, nobody claimed), 2 usage.
Example: AGENTMC_API_KEY=$USER_KEY pnpm chat --agent 1`,
    )
    .allowExcessArguments(false);
}
