/**
 * The tables of both benchmarks, once: the printed tables on stdout and the HTML pages show the
 * same columns from the same rows.
 */
import { formatFigure, spreadPercent, type Figure } from './figures.js';
import type { DispatchRow, RelayRow, ThroughputRow } from './report-shape.js';
import { dispatchTargets, relayTargets, throughputTargets, verdict } from './targets.js';

export interface Table {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/** `median (min–max)`, or a dash for a figure that was not measured. */
export const fig = (f: Figure | null, digits = 0) => (f ? formatFigure(f, digits) : '-');

/** `pnpm bench`: each target and operation against bare Express. */
export function throughputTable(rows: readonly ThroughputRow[]): Table {
  return {
    header: [
      'target',
      'operation',
      'per second',
      'spread',
      'p50 ms',
      'p99 ms',
      'vs Express',
      'target',
      '',
    ],
    rows: rows.map((r) => [
      r.target,
      r.operation,
      fig(r.rps) + (r.note ? ' ops/s' : ''),
      `${spreadPercent(r.rps)}%`,
      fig(r.p50_ms),
      fig(r.p99_ms),
      fig(r.vs_express, 2),
      throughputTargets(r)?.text ?? '',
      verdict(throughputTargets(r)),
    ]),
  };
}

/** `pnpm bench:realtime`: the relay on each target against the bare relay. */
export function relayTable(relay: readonly RelayRow[]): Table {
  return {
    header: [
      'target',
      'clients',
      'p50 ms',
      'p99 ms',
      'mean ms',
      'round trips/s',
      'msg/s in flight',
      'vs bare relay',
      'targets',
      '',
    ],
    rows: relay.map((r) => [
      r.target,
      r.clients,
      fig(r.p50_ms, 2),
      fig(r.p99_ms, 2),
      fig(r.mean_ms, 2),
      fig(r.round_trips_per_s),
      fig(r.messages_per_s),
      fig(r.vs_ceiling, 2),
      relayTargets(r)?.text ?? '',
      verdict(relayTargets(r)),
    ]),
  };
}

/** `pnpm bench:realtime`: dispatch on each store. */
export function dispatchTable(dispatch: readonly DispatchRow[]): Table {
  return {
    header: [
      'store',
      'sessions a run',
      'p50 ms',
      'p99 ms',
      'mean ms',
      'request answered (201) p50 ms',
      'lost claims',
      'targets',
      '',
    ],
    rows: dispatch.map((d) => [
      d.store,
      String(d.sessions),
      fig(d.p50_ms, 2),
      fig(d.p99_ms, 2),
      fig(d.mean_ms, 2),
      fig(d.request_answered_p50_ms, 2),
      String(d.lost_claims),
      dispatchTargets(d).text,
      verdict(dispatchTargets(d)),
    ]),
  };
}
