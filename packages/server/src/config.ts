import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const intFromEnv = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

/** A `Host` header's shape: a name or IPv4 address, or a bracketed IPv6 one, and a port. */
export const HOST_PATTERN =
  /^(?:[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?|\[[0-9a-f:.]{2,45}\])(?::\d{1,5})?$/i;

const boolFromEnv = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .transform((v) => v === 'true' || v === '1' || v === 'yes')
    .default(fallback ? 'true' : 'false');

/** The server's configuration, from environment variables. Parsed once, at start. */
export const ConfigSchema = z.object({
  PORT: intFromEnv(3000, 0, 65_535),
  HOST: z.string().min(1).default('0.0.0.0'),
  /** Prometheus `GET /metrics` on this port of HOST, never on the API's port; 0 turns it off. */
  METRICS_PORT: intFromEnv(9464, 0, 65_535),
  /** `postgres://…` for PostgreSQL; otherwise a SQLite file path. */
  DATABASE_URL: z.string().min(1).default('./data/agentmc.sqlite'),
  DATABASE_POOL_SIZE: intFromEnv(10, 1, 1_000),
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/)
    .optional(),
  /** Longest a statement may take; past it the request answers 503 (SQLite: lock wait). */
  DATABASE_STATEMENT_TIMEOUT_MS: intFromEnv(5_000, 100, 600_000),
  /** Longest wait for a PostgreSQL connection, the pool's queue included. */
  DATABASE_CONNECT_TIMEOUT_MS: intFromEnv(3_000, 100, 600_000),
  SESSION_TTL_SECONDS: intFromEnv(600, 10, 86_400),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  /** Requests per minute per API key; 0 turns the limiter off. */
  RATE_LIMIT_PER_MINUTE: intFromEnv(1_200, 0, 1_000_000),
  /** Failed authentications (401, 403) per minute per client address; 0 turns the limit off. */
  AUTH_FAILURES_PER_MINUTE: intFromEnv(60, 0, 1_000_000),
  /** Validate every response against the contract (on in tests; costs time in production). */
  VALIDATE_RESPONSES: boolFromEnv(false),
  /** Seconds to wait for in-flight requests on SIGTERM before closing anyway. */
  SHUTDOWN_GRACE_SECONDS: intFromEnv(10, 0, 300),
  /** Largest accepted JSON body. */
  BODY_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)$/i)
    .default('64kb'),
  /**
   * Web origins whose pages may call the API (CORS), comma-separated, such as
   * `https://app.example.com,http://localhost:5173`. Default: none.
   */
  CORS_ORIGINS: z
    .string()
    .transform((text) =>
      text
        .split(',')
        .map((origin) => origin.trim())
        .filter((origin) => origin !== ''),
    )
    .pipe(
      z.array(
        z
          .string()
          .regex(
            /^https?:\/\/[^/\s*]+$/,
            'Each origin must be scheme://host[:port], without a path or a wildcard.',
          ),
      ),
    )
    .default(''),
  /** The web console's built files, served at `/` when they exist. */
  WEB_CONSOLE_DIR: z.string().min(1).optional(),
  /**
   * Signs websocket tickets. Every replica behind one address needs the same secret; when unset,
   * each process makes up its own, which is fine for a single server.
   */
  REALTIME_TICKET_SECRET: z.string().min(32).optional(),
  REALTIME_TICKET_TTL_SECONDS: intFromEnv(60, 5, 3_600),
  /** The websocket base clients are told to use, e.g. `wss://api.example.com/api/v1`. */
  REALTIME_PUBLIC_URL: z
    .string()
    .regex(/^wss?:\/\/\S+$/)
    .optional(),
  REALTIME_SWEEP_INTERVAL_SECONDS: intFromEnv(5, 1, 3_600),
  /** A claimed session whose agent has not connected within this long fails. */
  REALTIME_CONNECT_TIMEOUT_SECONDS: intFromEnv(60, 5, 86_400),
  /** An active session whose agent has not been heard from within this long fails. */
  REALTIME_HEARTBEAT_TIMEOUT_SECONDS: intFromEnv(90, 5, 86_400),
  /** At most one heartbeat write per socket per this many seconds. */
  REALTIME_HEARTBEAT_WRITE_SECONDS: intFromEnv(15, 1, 3_600),
  /** Websocket-level pings; a socket that misses one whole interval is dropped. */
  REALTIME_PING_INTERVAL_SECONDS: intFromEnv(25, 1, 3_600),
  REALTIME_MAX_FRAME_BYTES: intFromEnv(65_536, 1_024, 16_777_216),
  /** Bytes queued for one slow socket before the server disconnects it. */
  REALTIME_MAX_BUFFERED_BYTES: intFromEnv(4_194_304, 65_536, 1_073_741_824),
  /**
   * Signals a minute one principal may send, over HTTP and all its sockets together, every other
   * websocket frame included (bursts up to the same number); 0 turns it off.
   */
  REALTIME_SIGNALS_PER_MINUTE: intFromEnv(600, 0, 1_000_000),
  /** Open sockets (session and watch together) one agent or one person may hold on a replica. */
  REALTIME_MAX_SOCKETS_PER_PRINCIPAL: intFromEnv(16, 1, 1_000_000),
  /** Open sockets on a replica; by default sized from the machine (see `defaultMaxSockets`). */
  REALTIME_MAX_SOCKETS: z.coerce.number().int().min(1).max(10_000_000).optional(),
  /**
   * Hosts (`name` or `name:port`, comma-separated) whose `Host` header may name the socket URL
   * when `REALTIME_PUBLIC_URL` is unset; any other Host gets the server's own address.
   */
  REALTIME_ALLOWED_HOSTS: z
    .string()
    .transform((list) =>
      list
        .split(',')
        .map((host) => host.trim().toLowerCase())
        .filter((host) => host !== ''),
    )
    .pipe(z.array(z.string().regex(HOST_PATTERN, 'must be host names, optionally with :port')))
    .default(''),
  /** How often each replica repeats which agents are online on it; its word lapses after 3×. */
  REALTIME_PRESENCE_INTERVAL_SECONDS: intFromEnv(10, 1, 3_600),
  /**
   * A requested session is pushed to one of the agent's watch sockets first, and to its others
   * only when it is still waiting this many milliseconds later; 0 pushes to all at once.
   */
  REALTIME_DISPATCH_GRACE_MS: intFromEnv(250, 0, 60_000),
});

export type ServerConfigInput = z.input<typeof ConfigSchema>;

/** The realtime connection's settings: tickets, timeouts and bounds. */
export interface RealtimeConfig {
  /** Undefined: a random secret per process (a single replica). */
  readonly ticketSecret: string | undefined;
  readonly ticketTtlSeconds: number;
  readonly publicUrl: string | undefined;
  readonly sweepIntervalSeconds: number;
  readonly connectTimeoutSeconds: number;
  readonly heartbeatTimeoutSeconds: number;
  readonly heartbeatWriteSeconds: number;
  readonly pingIntervalSeconds: number;
  readonly maxFrameBytes: number;
  readonly maxBufferedBytes: number;
  readonly signalsPerMinute: number;
  readonly maxSocketsPerPrincipal: number;
  readonly maxSockets: number;
  /** Lower-case `host` or `host:port` entries trusted in a `Host` header for socket URLs. */
  readonly allowedHosts: readonly string[];
  readonly presenceIntervalSeconds: number;
  /** How long one watch socket of an agent has a requested session to itself; 0: none. */
  readonly dispatchGraceMs: number;
}

export interface ServerConfig {
  readonly port: number;
  readonly host: string;
  /** Undefined: no metrics listener. */
  readonly metricsPort: number | undefined;
  readonly databaseUrl: string;
  readonly databasePoolSize: number;
  readonly databaseSchema: string | undefined;
  readonly databaseStatementTimeoutMs: number;
  readonly databaseConnectTimeoutMs: number;
  readonly sessionTtlSeconds: number;
  readonly logLevel: (typeof LOG_LEVELS)[number];
  readonly rateLimitPerMinute: number;
  readonly authFailuresPerMinute: number;
  readonly validateResponses: boolean;
  readonly shutdownGraceSeconds: number;
  readonly bodyLimit: string;
  /** Origins allowed to call the API from a web page; empty: no CORS at all. */
  readonly corsOrigins: readonly string[];
  /** Where the built web console is, if it is built. */
  readonly webConsoleDir: string | undefined;
  readonly realtime: RealtimeConfig;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads the configuration from an environment (normally `process.env`).
 *
 * @example
 * const config = loadConfig({ PORT: '0', DATABASE_URL: '/tmp/test.sqlite' });
 */
export function loadConfig(
  env: Record<string, string | undefined>,
  machine: Machine = thisMachine(),
): ServerConfig {
  const defined = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  );
  const parsed = ConfigSchema.safeParse(defined);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const c = parsed.data;
  return {
    port: c.PORT,
    host: c.HOST,
    metricsPort: c.METRICS_PORT === 0 ? undefined : c.METRICS_PORT,
    databaseUrl: c.DATABASE_URL,
    databasePoolSize: c.DATABASE_POOL_SIZE,
    databaseSchema: c.DATABASE_SCHEMA,
    databaseStatementTimeoutMs: c.DATABASE_STATEMENT_TIMEOUT_MS,
    databaseConnectTimeoutMs: c.DATABASE_CONNECT_TIMEOUT_MS,
    sessionTtlSeconds: c.SESSION_TTL_SECONDS,
    logLevel: c.LOG_LEVEL,
    rateLimitPerMinute: c.RATE_LIMIT_PER_MINUTE,
    authFailuresPerMinute: c.AUTH_FAILURES_PER_MINUTE,
    validateResponses: c.VALIDATE_RESPONSES,
    shutdownGraceSeconds: c.SHUTDOWN_GRACE_SECONDS,
    bodyLimit: c.BODY_LIMIT,
    corsOrigins: c.CORS_ORIGINS,
    webConsoleDir: consoleDir(c.WEB_CONSOLE_DIR),
    realtime: {
      ticketSecret: c.REALTIME_TICKET_SECRET,
      ticketTtlSeconds: c.REALTIME_TICKET_TTL_SECONDS,
      publicUrl: c.REALTIME_PUBLIC_URL?.replace(/\/+$/, ''),
      sweepIntervalSeconds: c.REALTIME_SWEEP_INTERVAL_SECONDS,
      connectTimeoutSeconds: c.REALTIME_CONNECT_TIMEOUT_SECONDS,
      heartbeatTimeoutSeconds: c.REALTIME_HEARTBEAT_TIMEOUT_SECONDS,
      heartbeatWriteSeconds: c.REALTIME_HEARTBEAT_WRITE_SECONDS,
      pingIntervalSeconds: c.REALTIME_PING_INTERVAL_SECONDS,
      maxFrameBytes: c.REALTIME_MAX_FRAME_BYTES,
      maxBufferedBytes: c.REALTIME_MAX_BUFFERED_BYTES,
      signalsPerMinute: c.REALTIME_SIGNALS_PER_MINUTE,
      maxSocketsPerPrincipal: c.REALTIME_MAX_SOCKETS_PER_PRINCIPAL,
      maxSockets: c.REALTIME_MAX_SOCKETS ?? defaultMaxSockets(machine),
      allowedHosts: c.REALTIME_ALLOWED_HOSTS,
      presenceIntervalSeconds: c.REALTIME_PRESENCE_INTERVAL_SECONDS,
      dispatchGraceMs: c.REALTIME_DISPATCH_GRACE_MS,
    },
  };
}

/** What the default socket limit is sized from. */
export interface Machine {
  /** The process's soft limit on open file descriptors. */
  readonly openFileLimit: number;
  readonly totalMemoryBytes: number;
}

/** File descriptors kept for HTTP connections, the database pool, logs and Node itself. */
const RESERVED_DESCRIPTORS = 256;
/** Memory allowed per open socket when sizing the default (buffers, frames, bookkeeping). */
const BYTES_PER_SOCKET = 128 * 1024;

/**
 * Sockets a replica accepts unless told otherwise: each takes a file descriptor, so a quarter of
 * the process's limit (at least 256) stays free for HTTP and the database; and no more than the
 * machine's memory holds at 128 KiB a socket.
 */
export function defaultMaxSockets(machine: Machine): number {
  const byDescriptors = Math.min(
    machine.openFileLimit - RESERVED_DESCRIPTORS,
    Math.floor(machine.openFileLimit * 0.75),
  );
  const byMemory = Math.floor(machine.totalMemoryBytes / BYTES_PER_SOCKET);
  return Math.max(1, Math.min(byDescriptors, byMemory));
}

/** This process's limits: the soft open-files limit from `/proc` (1024 where it cannot be read). */
export function thisMachine(): Machine {
  let openFileLimit = 1024;
  try {
    const line = /^Max open files\s+(\d+|unlimited)/m.exec(
      readFileSync('/proc/self/limits', 'utf8'),
    );
    if (line?.[1] && line[1] !== 'unlimited') openFileLimit = Number(line[1]);
    else if (line?.[1] === 'unlimited') openFileLimit = 1_048_576;
  } catch {
    // Not Linux: the common default.
  }
  return { openFileLimit, totalMemoryBytes: os.totalmem() };
}

/**
 * The console's files: the directory given, else `apps/web/dist` of this repository when it has
 * been built (`pnpm start` builds it). Undefined: no console.
 */
function consoleDir(given: string | undefined): string | undefined {
  if (given) return given;
  const built = fileURLToPath(new URL('../../../apps/web/dist/', import.meta.url));
  return existsSync(`${built}index.html`) ? built : undefined;
}

const DEFAULTS = loadConfig({});

/** The realtime defaults, for an app created without a full configuration (tests). */
export const DEFAULT_REALTIME_CONFIG: RealtimeConfig = DEFAULTS.realtime;

/** The failed-authentication budget's default, for an app created without it (tests). */
export const DEFAULT_AUTH_FAILURES_PER_MINUTE = DEFAULTS.authFailuresPerMinute;
