/** A row's targets as the tables print them, and whether its medians meet them all. */
import type { DispatchRow, RelayRow, ThroughputRow } from './report-shape.js';

export interface Verdict {
  readonly text: string;
  readonly met: boolean;
}

export function throughputTargets(r: ThroughputRow): Verdict | null {
  if (r.target_ratio === null || r.vs_express === null) return null;
  return { text: `≥ ${r.target_ratio}×`, met: r.vs_express.median >= r.target_ratio };
}

export function relayTargets(r: RelayRow): Verdict | null {
  const text: string[] = [];
  let met = true;
  if (r.target_ratio !== null) {
    text.push(`≥ ${r.target_ratio}×`);
    met &&= (r.vs_ceiling?.median ?? 0) >= r.target_ratio;
  }
  if (r.target_p99_ms !== null) {
    text.push(`p99 ≤ ${r.target_p99_ms} ms`);
    met &&= r.p99_ms.median <= r.target_p99_ms;
  }
  return text.length === 0 ? null : { text: text.join(', '), met };
}

export function dispatchTargets(d: DispatchRow): Verdict {
  return {
    text: `p50 ≤ ${d.target_p50_ms} ms, p99 ≤ ${d.target_p99_ms} ms`,
    met: d.p50_ms.median <= d.target_p50_ms && d.p99_ms.median <= d.target_p99_ms,
  };
}

/** `met` or `missed`, as a table cell. */
export const verdict = (v: Verdict | null) => (v === null ? '' : v.met ? 'met' : 'missed');
