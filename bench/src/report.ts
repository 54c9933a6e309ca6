/** The table `pnpm bench` prints on stdout. */
import { formatFigure } from './figures.js';
import type { BenchReport } from './report-shape.js';
import { table } from './stats.js';

/** The throughput table, the scale curve and the memory trace, as text. */
export function printTable(report: BenchReport) {
  const lines = report.rows.map((r) => [
    r.target,
    r.operation,
    formatFigure(r.rps) + (r.note ? ' ops/s' : ''),
    r.p50_ms ? formatFigure(r.p50_ms) : '-',
    r.p99_ms ? formatFigure(r.p99_ms) : '-',
    r.vs_express ? formatFigure(r.vs_express, 2) : '',
    r.target_ratio === null || !r.vs_express
      ? ''
      : `≥ ${r.target_ratio} ${r.vs_express.median >= r.target_ratio ? 'met' : 'NOT met'}`,
  ]);
  console.log(
    table(['target', 'operation', 'req/s', 'p50 ms', 'p99 ms', 'vs Express', 'target'], lines),
  );
  if (report.scale.length > 0) {
    console.log('\nList (limit 20) against stored sessions, SQLite (median of the runs, min–max):');
    for (const s of report.scale) {
      console.log(
        `  ${s.sessions.toLocaleString('en').padStart(9)} sessions: p50 ${formatFigure(s.p50_ms)} ms, ` +
          `p99 ${formatFigure(s.p99_ms)} ms, ${formatFigure(s.rps)} req/s (generated in ${s.generate_ms} ms)`,
      );
    }
  }
  const m = report.memory;
  if (m) {
    console.log(
      `\nMemory (${m.store} server, ${m.seconds} s of list load, ${m.requests} requests): RSS ` +
        `${m.rss_start_mb} → ${m.rss_end_mb} MB; second half ${m.slope_mb_per_min} MB/min`,
    );
  }
}
