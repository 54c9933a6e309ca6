/**
 * The JSON each benchmark writes under bench/results/, and its HTML report reads: one shape,
 * so that the two never disagree.
 */
import type { Figure } from './figures.js';

export interface Machine {
  readonly cores: number;
  readonly cpu: string | undefined;
  readonly node: string;
  readonly platform: string;
  /** The 1-minute load average before the first run and after the last. */
  readonly load_average: { readonly before: number; readonly after: number };
}

/** `pnpm bench`: one target (a ceiling, or the server over a store) and one operation. */
export interface ThroughputRow {
  readonly target: string;
  readonly operation: 'list' | 'claim';
  /** Requests (or, for the store alone, operations) a second. */
  readonly rps: Figure;
  readonly p50_ms: Figure | null;
  readonly p99_ms: Figure | null;
  /** rps over bare Express's in the same round, per round. */
  readonly vs_express: Figure | null;
  /** The ratio the server must reach, where there is one. */
  readonly target_ratio: number | null;
  readonly note?: string;
}

/** List latency at one number of stored sessions. */
export interface ScalePoint {
  readonly sessions: number;
  readonly generate_ms: number;
  readonly rps: Figure;
  readonly p50_ms: Figure;
  readonly p99_ms: Figure;
}

/** The server's resident memory, sampled through a sustained load. */
export interface MemoryTrace {
  readonly store: string;
  readonly seconds: number;
  readonly requests: number;
  /** [seconds since the load began, RSS in MB]. */
  readonly samples: readonly (readonly [number, number])[];
  readonly rss_start_mb: number;
  readonly rss_end_mb: number;
  /** Least-squares slope of the second half of the samples, MB a minute. */
  readonly slope_mb_per_min: number;
}

export interface BenchReport {
  readonly kind: 'bench';
  readonly started: string;
  readonly machine: Machine;
  readonly settings: Readonly<Record<string, number | string>>;
  readonly rows: readonly ThroughputRow[];
  readonly scale: readonly ScalePoint[];
  readonly memory: MemoryTrace | null;
  /** Why PostgreSQL was left out, when it was. */
  readonly postgres: string | null;
}

/** `pnpm bench:realtime`: the relay, person → agent → person, on one target. */
export interface RelayRow {
  /** `bare ws relay`, `server (sqlite)`, `server (sqlite) through the SDKs`, … */
  readonly target: string;
  /** Raw `ws` clients (the same on every target) or the SDKs (connection and sample agent). */
  readonly clients: 'raw ws' | 'SDKs';
  /** Round trips one at a time in each run, and their latency. */
  readonly round_trips: number;
  readonly p50_ms: Figure;
  readonly p99_ms: Figure;
  readonly mean_ms: Figure;
  /** Round trips one at a time: completed over elapsed seconds. */
  readonly round_trips_per_s: Figure;
  /** The windowed run: `burst` messages with `window` in flight, messages a second. */
  readonly window: number;
  readonly burst: number;
  readonly messages_per_s: Figure;
  /** round_trips_per_s over the bare relay's in the same round, per round. */
  readonly vs_ceiling: Figure | null;
  readonly target_ratio: number | null;
  readonly target_p99_ms: number | null;
}

/** `pnpm bench:realtime`: a person's request until the winning claim, with agents racing. */
export interface DispatchRow {
  readonly store: string;
  readonly agents: number;
  /** Sessions dispatched one after another in each run. */
  readonly sessions: number;
  readonly p50_ms: Figure;
  readonly p99_ms: Figure;
  readonly mean_ms: Figure;
  /** The person's request alone: sent → its 201, a part of the dispatch latency. */
  readonly request_answered_p50_ms: Figure;
  /** Claims that lost the race (409) over all runs, and wins per agent. */
  readonly lost_claims: number;
  readonly winners: Readonly<Record<string, number>>;
  readonly target_p50_ms: number;
  readonly target_p99_ms: number;
}

export interface RealtimeReport {
  readonly kind: 'realtime';
  readonly started: string;
  readonly machine: Machine;
  readonly settings: Readonly<Record<string, number | string>>;
  readonly relay: readonly RelayRow[];
  readonly dispatch: readonly DispatchRow[];
  /** Why PostgreSQL was left out, when it was. */
  readonly postgres: string | null;
}
