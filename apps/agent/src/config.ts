import type { LogLevel } from './logger.js';
import { LOG_LEVELS } from './logger.js';

/** The sample agent's configuration. */
export interface AgentConfig {
  /** `AGENTMC_API_KEY`, required: an agent's key. */
  readonly apiKey: string;
  /** `AGENTMC_BASE_URL`; undefined lets the client use its default, localhost:3000. */
  readonly baseUrl: string | undefined;
  /** `AGENTMC_WATCH` (true): hold a watch socket and claim from its pushes. */
  readonly watch: boolean;
  /** `AGENTMC_RECONCILE_MS` (30000, at least 30000): the list poll's interval while watching. */
  readonly reconcileMs: number;
  /** `AGENTMC_POLL_MIN_MS` (1000): without the watch, the first wait after an empty list. */
  readonly pollMinMs: number;
  /** `AGENTMC_POLL_MAX_MS` (30000): without the watch, the longest wait between two polls. */
  readonly pollMaxMs: number;
  /** `AGENTMC_LIST_LIMIT` (20): sessions fetched per poll, 1..100. */
  readonly listLimit: number;
  /** `AGENTMC_REQUEST_TIMEOUT_MS` (10000): a request without an answer by then is retried. */
  readonly requestTimeoutMs: number;
  /** `AGENTMC_LOG_LEVEL` (info): debug, info, warn, error or silent. */
  readonly logLevel: LogLevel;
}

export class AgentConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'AgentConfigError';
  }
}

/**
 * Reads the configuration from an environment; {@link loadAgentConfigFromProcess} passes
 * `process.env`, tests pass a plain object. Throws {@link AgentConfigError} listing every
 * problem at once.
 *
 * @example
 * const config = loadAgentConfig({ AGENTMC_API_KEY: 'amc_…', AGENTMC_POLL_MAX_MS: '5000' });
 */
export function loadAgentConfig(env: Readonly<Record<string, string | undefined>>): AgentConfig {
  const problems: string[] = [];
  const value = (name: string) => {
    const v = env[name]?.trim();
    return v ? v : undefined;
  };
  const int = (name: string, fallback: number, min: number, max: number) => {
    const raw = value(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < min || n > max) {
      problems.push(`${name}: must be an integer from ${min} to ${max}, got "${raw}".`);
      return fallback;
    }
    return n;
  };

  const apiKey = value('AGENTMC_API_KEY');
  if (!apiKey) {
    problems.push('AGENTMC_API_KEY: required; create one with `pnpm admin key create --agent ID`.');
  }
  const baseUrl = value('AGENTMC_BASE_URL');
  if (baseUrl !== undefined && !/^https?:\/\/\S+$/.test(baseUrl)) {
    problems.push(`AGENTMC_BASE_URL: must be an http(s) URL such as http://localhost:3000/api/v1.`);
  }
  const watchRaw = (value('AGENTMC_WATCH') ?? 'true').toLowerCase();
  const watch = ['true', '1', 'yes'].includes(watchRaw);
  if (!watch && !['false', '0', 'no'].includes(watchRaw)) {
    problems.push(`AGENTMC_WATCH: must be true or false, got "${watchRaw}".`);
  }
  const reconcileMs = int('AGENTMC_RECONCILE_MS', 30_000, 30_000, 3_600_000);
  const pollMinMs = int('AGENTMC_POLL_MIN_MS', 1_000, 1, 3_600_000);
  const pollMaxMs = int('AGENTMC_POLL_MAX_MS', 30_000, 1, 3_600_000);
  if (pollMaxMs < pollMinMs) {
    problems.push('AGENTMC_POLL_MAX_MS: must not be less than AGENTMC_POLL_MIN_MS.');
  }
  const listLimit = int('AGENTMC_LIST_LIMIT', 20, 1, 100);
  const requestTimeoutMs = int('AGENTMC_REQUEST_TIMEOUT_MS', 10_000, 100, 600_000);
  const logLevel = (value('AGENTMC_LOG_LEVEL') ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    problems.push(`AGENTMC_LOG_LEVEL: must be one of ${LOG_LEVELS.join(', ')}.`);
  }

  if (problems.length > 0 || !apiKey) throw new AgentConfigError(problems);
  return {
    apiKey,
    baseUrl,
    watch,
    reconcileMs,
    pollMinMs,
    pollMaxMs,
    listLimit,
    requestTimeoutMs,
    logLevel,
  };
}

/**
 * {@link loadAgentConfig} of this process's environment: the only place the agent reads it.
 * Throws {@link AgentConfigError} as that does.
 */
export function loadAgentConfigFromProcess(): AgentConfig {
  return loadAgentConfig(process.env);
}
