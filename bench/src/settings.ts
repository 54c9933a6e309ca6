/**
 * What the environment says about a benchmark run: the only module of the bench that reads
 * `process.env`. Each setting has a default, so a plain `pnpm bench` needs none of them.
 */

const env = process.env;

// Both benchmarks

/** BENCH_RUNS (5): runs of each measure; a figure is their median, with their min–max. */
export const RUNS = Number(env.BENCH_RUNS ?? 5);

// `pnpm bench`

/** BENCH_CONNECTIONS (10): concurrent connections of each load run. */
export const CONNECTIONS = Number(env.BENCH_CONNECTIONS ?? 10);
/** BENCH_DURATION (3): seconds of each measured run. */
export const DURATION = Number(env.BENCH_DURATION ?? 3);
/** BENCH_ROUNDS (5): measured rounds; each figure is the median of its rounds' runs. */
export const ROUNDS = Number(env.BENCH_ROUNDS ?? 5);
/**
 * BENCH_CLAIMS (60,000): requested sessions seeded per store for its claim runs; every claim
 * request takes a distinct one, so they must outnumber what the rounds can claim.
 */
export const CLAIMS = Number(env.BENCH_CLAIMS ?? 60_000);
/** BENCH_SUSTAIN (120): seconds of the sustained list load that traces the server's memory. */
export const SUSTAIN_SECONDS = Number(env.BENCH_SUSTAIN ?? 120);
/** BENCH_PROFILE=1: run the real servers under --cpu-prof and print where their time went. */
export const PROFILE = env.BENCH_PROFILE === '1';

// `pnpm bench:realtime`

/** BENCH_AGENTS (10): sample agents competing for each dispatched session. */
export const REALTIME_AGENTS = Number(env.BENCH_AGENTS ?? 10);
/** BENCH_DISPATCH (100): sessions dispatched one at a time, in each run. */
export const DISPATCH = Number(env.BENCH_DISPATCH ?? 100);
/** BENCH_RELAY (200): message round trips one at a time, in each run. */
export const RELAY = Number(env.BENCH_RELAY ?? 200);
/** BENCH_BURST (500): messages of each windowed throughput run. */
export const BURST = Number(env.BENCH_BURST ?? 500);
/** BENCH_WINDOW (32): messages in flight at a time in the throughput run. */
export const WINDOW = Number(env.BENCH_WINDOW ?? 32);

// `pnpm bench:realtime -- --soak` (or BENCH_SOAK=1): the soak and the mass reconnect

/** BENCH_SOAK=1: run the soak (as `--soak` does) instead of dispatch and relay. */
export const SOAK = env.BENCH_SOAK === '1' || process.argv.includes('--soak');
/** BENCH_SOAK_STORE (sqlite): the store of the soak's one server, `sqlite` or `postgres`. */
export const SOAK_STORE = env.BENCH_SOAK_STORE === 'postgres' ? 'postgres' : 'sqlite';
/** BENCH_SOAK_SESSIONS (1,000): concurrent sessions, two sockets each. */
export const SOAK_SESSIONS = Number(env.BENCH_SOAK_SESSIONS ?? 1_000);
/** BENCH_SOAK_PRINCIPALS (100): agents, and people, the sessions are spread over. */
export const SOAK_PRINCIPALS = Number(env.BENCH_SOAK_PRINCIPALS ?? 100);
/** BENCH_SOAK_SECONDS (60): how long they talk before the server is killed. */
export const SOAK_SECONDS = Number(env.BENCH_SOAK_SECONDS ?? 60);
/** BENCH_SOAK_INTERVAL_MS (5,000): how often each person sends a message. */
export const SOAK_INTERVAL_MS = Number(env.BENCH_SOAK_INTERVAL_MS ?? 5_000);
