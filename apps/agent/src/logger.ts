export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** What the agent reports: an event name (`session.claimed`) and flat fields. */
export interface AgentLogger {
  debug(event: string, fields?: Record<string, unknown>): void;
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
}

/**
 * One JSON object per line: `{"time":…,"level":"info","event":"session.claimed",…}`, to stdout
 * unless told otherwise, so that `grep`, `jq` and log shippers read it alike.
 *
 * @example
 * const logger = createJsonLogger({ level: 'debug' });
 * logger.info('session.claimed', { session_id: 42 });
 */
export function createJsonLogger(
  options: { level?: LogLevel; write?: (line: string) => void } = {},
): AgentLogger {
  const threshold = LOG_LEVELS.indexOf(options.level ?? 'info');
  const write = options.write ?? ((line: string) => process.stdout.write(line));
  const at =
    (level: Exclude<LogLevel, 'silent'>) =>
    (event: string, fields: Record<string, unknown> = {}) => {
      if (LOG_LEVELS.indexOf(level) < threshold) return;
      write(`${JSON.stringify({ time: new Date().toISOString(), level, event, ...fields })}\n`);
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
