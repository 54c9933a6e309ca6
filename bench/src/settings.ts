/**
 * What the environment says about a benchmark run: the only module of the bench that reads
 * `process.env`. Each setting has a default, so a plain `pnpm bench` needs none of them.
 */

const env = process.env;

// `pnpm bench`

/** BENCH_CONNECTIONS (10): concurrent connections of each load run. */
export const CONNECTIONS = Number(env.BENCH_CONNECTIONS ?? 10);
/** BENCH_DURATION (5): seconds of each measured run, after its warm-up. */
export const DURATION = Number(env.BENCH_DURATION ?? 5);
/** BENCH_CLAIMS (10,000): sessions claimed in each claim run. */
export const CLAIMS = Number(env.BENCH_CLAIMS ?? 10_000);
/** BENCH_SUSTAIN (20): seconds of the sustained list load that measures memory. */
export const SUSTAIN_SECONDS = Number(env.BENCH_SUSTAIN ?? 20);
/** BENCH_PROFILE=1: run the real servers under --cpu-prof and print where their time went. */
export const PROFILE = env.BENCH_PROFILE === '1';

// `pnpm bench:realtime`

/** BENCH_AGENTS (10): sample agents competing for each dispatched session. */
export const REALTIME_AGENTS = Number(env.BENCH_AGENTS ?? 10);
/** BENCH_DISPATCH (300): sessions dispatched, one at a time. */
export const DISPATCH = Number(env.BENCH_DISPATCH ?? 300);
/** BENCH_RELAY (500): message round trips, one at a time. */
export const RELAY = Number(env.BENCH_RELAY ?? 500);
/** BENCH_BURST (2,000): messages of the throughput run. */
export const BURST = Number(env.BENCH_BURST ?? 2_000);
/** BENCH_WINDOW (32): messages in flight at a time in the throughput run. */
export const WINDOW = Number(env.BENCH_WINDOW ?? 32);
