/** The table on stdout and the JSON under bench/results/. */
import type { Row } from './common.js';
import type { ScalePoint } from './scale.js';

export interface Memory {
  store: string;
  rss_after_warmup_mb: number;
  rss_after_sustained_mb: number;
  growth_mb: number;
  sustained_seconds: number;
  sustained_requests: number;
}

function round(n: number, digits = 2) {
  return Math.round(n * 10 ** digits) / 10 ** digits;
}

/** Fills in each server row's ratio to bare Express, then prints the table. */
export function printTable(rows: Row[], scale: ScalePoint[], memory: Memory | undefined) {
  const express = new Map(
    rows.filter((r) => r.target === 'bare Express').map((r) => [r.operation, r.rps]),
  );
  for (const r of rows) {
    const base = express.get(r.operation);
    if (r.target.startsWith('server') && base) r.vs_express = round(r.rps / base);
  }
  const header = ['target', 'operation', 'req/s', 'p50 ms', 'p99 ms', 'vs Express'];
  const lines = rows.map((r) => [
    r.target,
    r.operation,
    String(r.rps) + (r.note ? ' ops/s' : ''),
    r.p50_ms === null ? '-' : String(r.p50_ms),
    r.p99_ms === null ? '-' : String(r.p99_ms),
    r.vs_express === null ? '' : r.vs_express.toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(fmt(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const l of lines) console.log(fmt(l));
  if (scale.length > 0) {
    console.log('\nList (limit 20) against stored sessions, SQLite:');
    for (const s of scale) {
      console.log(
        `  ${s.sessions.toLocaleString('en').padStart(9)} sessions: p50 ${s.p50_ms} ms, p99 ${s.p99_ms} ms, ${s.rps} req/s (generated in ${s.generate_ms} ms)`,
      );
    }
  }
  if (memory) {
    console.log(
      `\nMemory (SQLite server): RSS ${memory.rss_after_warmup_mb} MB after warm-up, ${memory.rss_after_sustained_mb} MB after ${memory.sustained_seconds} s / ${memory.sustained_requests} more requests`,
    );
  }
}
