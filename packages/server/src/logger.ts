import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/** JSON logs on stdout; the request id travels on each request's child logger. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'agentmc-server' },
    timestamp: pino.stdTimeFunctions.isoTime,
    // API keys never reach the logs, whichever header carries them.
    redact: ['req.headers["x-api-key"]', 'req.headers.authorization'],
  });
}
