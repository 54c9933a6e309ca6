/**
 * Interleaved rounds: every target gets the same load once per round, in an order that rotates
 * from round to round, so that a machine that slows down for a while slows every target alike.
 * A ratio is then taken within each round, between runs seconds apart, and reported as the
 * median over the rounds.
 */
import { figure, type Figure } from './figures.js';
import { load, type LoadOptions, type LoadResult } from './load.js';

/** One thing under load: a ceiling or a real server, with the requests of one operation. */
export interface Target {
  readonly name: string;
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly next: LoadOptions['next'];
}

export interface RoundsOptions {
  readonly rounds: number;
  /** Seconds of each measured run. */
  readonly duration: number;
  /** Seconds of load each target gets before the first round (not recorded). */
  readonly warmup: number;
  readonly connections: number;
  /** Called before each run, warm-up included, with what it is. */
  readonly onRun?: (label: string) => void;
}

/** Every target's runs, in round order. */
export type Runs = Map<string, LoadResult[]>;

/** The measured runs of every target, and its warm-up (which counts for what it changed). */
export async function interleaved(
  targets: readonly Target[],
  options: RoundsOptions,
): Promise<{ runs: Runs; warmups: Map<string, LoadResult> }> {
  const runs: Runs = new Map(targets.map((t) => [t.name, []]));
  const warmups = new Map<string, LoadResult>();
  const run = (target: Target, duration: number) =>
    load({
      url: target.url,
      connections: options.connections,
      duration,
      method: target.method,
      next: target.next,
    });
  for (const target of targets) {
    options.onRun?.(`${target.name}: warm-up`);
    warmups.set(target.name, await run(target, options.warmup));
  }
  for (let round = 0; round < options.rounds; round++) {
    for (let i = 0; i < targets.length; i++) {
      const target = targets[(i + round) % targets.length]!;
      options.onRun?.(`${target.name}: round ${round + 1}/${options.rounds}`);
      runs.get(target.name)!.push(await run(target, options.duration));
    }
  }
  return { runs, warmups };
}

/** The figures of one target's runs. */
export function figuresOf(results: readonly LoadResult[]) {
  return {
    rps: figure(
      results.map((r) => r.rps),
      0,
    ),
    p50_ms: figure(results.map((r) => r.p50)),
    p99_ms: figure(results.map((r) => r.p99)),
  };
}

/** Round by round, one target's rps over another's; the median of those ratios. */
export function ratioOf(runs: readonly LoadResult[], base: readonly LoadResult[]): Figure {
  return figure(runs.map((r, i) => r.rps / base[i]!.rps));
}
