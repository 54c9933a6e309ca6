import { CommanderError } from 'commander';
import { chatProgram } from './cli.js';
/** What `pnpm chat` needs: who the person is, where the API is, which agent to talk to. */
export interface ChatConfig {
  /** `AGENTMC_API_KEY`: a person's (user) key. */
  readonly apiKey: string;
  /** `AGENTMC_BASE_URL`; undefined lets the client use its default, localhost:3000. */
  readonly baseUrl: string | undefined;
  /** `--agent ID`. */
  readonly agentId: number;
}

export class ChatUsageError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      `${problems.join('\n')}\nusage: AGENTMC_API_KEY=<user key> pnpm chat --agent ID\n` +
        '  (AGENTMC_BASE_URL defaults to http://localhost:3000/api/v1)',
    );
    this.name = 'ChatUsageError';
  }
}

/**
 * Reads the command line (`--agent ID` or `--agent=ID`) and the environment;
 * {@link loadChatConfigFromProcess} passes `process.argv.slice(2)` and `process.env`, tests pass
 * plain values. Throws {@link ChatUsageError} listing every problem at once.
 *
 * @example
 * const config = loadChatConfig(['--agent', '3'], { AGENTMC_API_KEY: 'amc_…' });
 */
export function loadChatConfig(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): ChatConfig {
  const problems: string[] = [];
  const program = chatProgram()
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {} });
  try {
    program.parse([...args], { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    problems.push(error.message.replace(/^error: /, ''));
  }
  // What was read before a mistake still counts, so that every problem is listed at once.
  const agent = program.opts<{ agent?: string }>().agent;
  const agentId = Number(agent);
  if (agent === undefined) problems.push('--agent ID is required');
  else if (!/^\d+$/.test(agent) || !Number.isSafeInteger(agentId) || agentId < 1) {
    problems.push(`--agent must be a positive integer, got "${agent}"`);
  }
  const apiKey = env.AGENTMC_API_KEY?.trim();
  if (!apiKey) {
    problems.push(
      'AGENTMC_API_KEY is required: a person’s key (`pnpm admin key create --user ID`)',
    );
  }
  const baseUrl = env.AGENTMC_BASE_URL?.trim() || undefined;
  if (baseUrl !== undefined && !/^https?:\/\/\S+$/.test(baseUrl)) {
    problems.push('AGENTMC_BASE_URL must be an http(s) URL such as http://localhost:3000/api/v1');
  }
  if (problems.length > 0 || !apiKey) throw new ChatUsageError(problems);
  return { apiKey, baseUrl, agentId };
}

/**
 * {@link loadChatConfig} of this process's arguments and environment: the only place the chat
 * reads them. Throws {@link ChatUsageError} as that does.
 */
export function loadChatConfigFromProcess(): ChatConfig {
  return loadChatConfig(process.argv.slice(2), process.env);
}
