/**
 * The database could not be reached or dropped the connection. Requests that hit it answer 503
 * with `Retry-After`; the pool reconnects by itself once the database is back.
 */
export class StoreUnavailableError extends Error {
  constructor(options: { cause: unknown }) {
    super('The database is unavailable', options);
    this.name = 'StoreUnavailableError';
  }
}

/** A query the database did not answer in time: its connection was dropped. */
export class StatementTimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(readonly timeoutMs: number) {
    super(`The database did not answer within ${timeoutMs} ms`);
    this.name = 'StatementTimeoutError';
  }
}

// Connection-level failures from node-postgres and the OS, and PostgreSQL's own codes for a
// server that is shutting down, starting up or refusing connections (classes 08 and 57P), or
// that cancelled a statement which ran past `statement_timeout` (57014).
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  '57014',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
]);
const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'connection timeout',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Connection ended',
];

/** Whether an error from the driver means "the database is not there right now". */
export function isUnavailableError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (
    typeof code === 'string' &&
    (UNAVAILABLE_CODES.has(code) ||
      code.startsWith('08') ||
      // SQLITE_BUSY_SNAPSHOT, SQLITE_BUSY_TIMEOUT, SQLITE_LOCKED_SHAREDCACHE, …
      code.startsWith('SQLITE_BUSY') ||
      code.startsWith('SQLITE_LOCKED'))
  ) {
    return true;
  }
  return UNAVAILABLE_MESSAGES.some((m) => error.message.includes(m));
}
