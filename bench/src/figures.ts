/**
 * A figure measured several times: its median, its spread, and every run, so that a reader can
 * tell a change from noise. One run of a few seconds on a shared 2-core machine moves by 10–20%;
 * the median of several interleaved runs does not.
 */
export interface Figure {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** Every run's value, in the order they ran. */
  readonly runs: readonly number[];
}

/** The median (mean of the middle two for an even count), minimum and maximum of the runs. */
export function figure(runs: readonly number[], digits = 2): Figure {
  if (runs.length === 0) throw new Error('figure: no runs');
  const sorted = [...runs].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const median =
    sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  const round = (n: number) => Math.round(n * 10 ** digits) / 10 ** digits;
  return {
    median: round(median),
    min: round(sorted[0]!),
    max: round(sorted.at(-1)!),
    runs: runs.map(round),
  };
}

/** `median (min–max)`, as the tables print a figure. */
export function formatFigure(f: Figure, digits = 0): string {
  const n = (x: number) => x.toFixed(digits);
  return f.min === f.max ? n(f.median) : `${n(f.median)} (${n(f.min)}–${n(f.max)})`;
}

/** How far the runs spread around their median, in percent of it: (max − min) / median. */
export function spreadPercent(f: Figure): number {
  return f.median === 0 ? 0 : Math.round(((f.max - f.min) / f.median) * 1000) / 10;
}
