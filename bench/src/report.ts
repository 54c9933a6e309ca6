/** The table `pnpm bench` prints on stdout. */
import { formatFigure } from './figures.js';
import type { BenchReport } from './report-shape.js';
import { table } from './stats.js';
import { throughputTable } from './tables.js';

/** The throughput table, the scale curve and the memory trace, as text. */
export function printTable(report: BenchReport) {
  const throughput = throughputTable(report.rows);
  console.log(table(throughput.header, throughput.rows));
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
