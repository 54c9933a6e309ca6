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
