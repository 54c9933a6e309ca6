/**
 * Each benchmark's report as one self-contained HTML page beside its JSON (html-page.ts): the
 * tables, and charts of the figures against their targets.
 */
import fs from 'node:fs';
import type { Figure } from './figures.js';
import { COLORS, barChart, figureBars, renderPage, type Section } from './html-page.js';
import type { BenchReport, Machine, RealtimeReport } from './report-shape.js';
import { dispatchTable, fig, relayTable, throughputTable } from './tables.js';

function machineLine(m: Machine): string {
  return (
    `${m.cores} cores (${m.cpu ?? 'unknown CPU'}), Node ${m.node} on ${m.platform}; ` +
    `load average ${m.load_average.before.toFixed(2)} before, ${m.load_average.after.toFixed(2)} after`
  );
}

function settingsLine(settings: Readonly<Record<string, number | string>>): string {
  return `Settings: ${Object.entries(settings)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')}.`;
}

/** `pnpm bench`'s report as HTML: throughput against targets, the scale curve, the RSS trace. */
export function writeBenchHtml(file: string, report: BenchReport): void {
  const rows = report.rows;
  const label = (r: (typeof rows)[number]) => `${r.target} ${r.operation}`;
  const ratios = rows.filter((r) => r.vs_express !== null);
  const latencies = rows.filter((r) => r.p50_ms !== null && r.p99_ms !== null);
  const sections: Section[] = [
    {
      heading: 'Throughput',
      text: 'Each figure is the median of the runs; whiskers and parentheses give their min–max.',
      charts: [
        {
          title: 'The server against bare Express (requests a second, ratio)',
          note: 'Red lines: the ratio each operation must reach.',
          config: barChart(
            ratios.map(label),
            [
              figureBars(
                'server / bare Express',
                ratios.map((r) => r.vs_express!),
                COLORS[0]!,
                ratios.map((r) => r.target_ratio),
              ),
            ],
            'ratio',
          ),
        },
        {
          title: 'Requests (or store operations) a second',
          config: barChart(
            rows.map(label),
            [
              figureBars(
                'per second',
                rows.map((r) => r.rps),
                COLORS[1]!,
              ),
            ],
            'per second',
          ),
        },
        {
          title: 'Latency percentiles',
          config: barChart(
            latencies.map(label),
            [
              figureBars(
                'p50',
                latencies.map((r) => r.p50_ms!),
                COLORS[2]!,
              ),
              figureBars(
                'p99',
                latencies.map((r) => r.p99_ms!),
                COLORS[3]!,
              ),
            ],
            'ms',
          ),
        },
      ],
      tables: [throughputTable(rows)],
    },
  ];
  if (report.scale.length > 0) {
    const point = (y: (p: (typeof report.scale)[number]) => Figure) =>
      report.scale.map((p) => ({ x: p.sessions, y: y(p).median }));
    sections.push({
      heading: 'List latency against stored sessions',
      charts: [
        {
          title: 'List (limit 20) p50 and p99 against the number of stored sessions',
          config: {
            type: 'line',
            data: {
              datasets: [
                { label: 'p99', data: point((p) => p.p99_ms), borderColor: COLORS[3] },
                { label: 'p50', data: point((p) => p.p50_ms), borderColor: COLORS[2] },
              ],
            },
            options: {
              scales: {
                x: { type: 'logarithmic', title: { display: true, text: 'stored sessions' } },
                y: { beginAtZero: true, title: { display: true, text: 'ms' } },
              },
            },
          },
        },
      ],
      tables: [
        {
          header: ['sessions', 'generated in ms', 'req/s', 'p50 ms', 'p99 ms'],
          rows: report.scale.map((p) => [
            p.sessions.toLocaleString('en'),
            String(p.generate_ms),
            fig(p.rps),
            fig(p.p50_ms, 1),
            fig(p.p99_ms, 1),
          ]),
        },
      ],
    });
  }
  const memory = report.memory;
  if (memory) {
    sections.push({
      heading: 'Memory under a sustained load',
      text:
        `${memory.store}: ${memory.requests.toLocaleString('en')} requests over ${memory.seconds} s; ` +
        `RSS ${memory.rss_start_mb} → ${memory.rss_end_mb} MB, ` +
        `slope of the second half ${memory.slope_mb_per_min} MB a minute.`,
      charts: [
        {
          title: "The server's resident memory (RSS)",
          config: {
            type: 'line',
            data: {
              datasets: [
                {
                  label: 'RSS MB',
                  data: memory.samples.map(([x, y]) => ({ x, y })),
                  borderColor: COLORS[0],
                  pointRadius: 0,
                },
              ],
            },
            options: {
              scales: {
                x: { type: 'linear', title: { display: true, text: 'seconds into the load' } },
                y: { title: { display: true, text: 'MB' } },
              },
            },
          },
        },
      ],
    });
  }
  const intro = [
    `Started ${report.started}. ${machineLine(report.machine)}.`,
    settingsLine(report.settings),
    ...(report.postgres ? [`PostgreSQL left out: ${report.postgres}`] : []),
  ];
  fs.writeFileSync(file, renderPage('AgentMC bench', intro, sections));
}

/** `pnpm bench:realtime`'s report as HTML: relay against its ceiling, latencies, dispatch. */
export function writeRealtimeHtml(file: string, report: RealtimeReport): void {
  const relay = report.relay;
  const ratios = relay.filter((r) => r.vs_ceiling !== null);
  const dispatch = report.dispatch;
  const sections: Section[] = [
    {
      heading: 'Relay: person → agent → person',
      text:
        'Each figure is the median of the runs; whiskers and parentheses give their min–max. ' +
        'Raw ws clients on the bare relay and on the server; the SDK rows add the client ' +
        'libraries and the sample agent (which streams a delta per word before its answer).',
      charts: [
        {
          title: 'The server against the bare relay (round trips a second, ratio)',
          note: 'Red lines: the ratio to reach. The ratio is taken per round, then its median.',
          config: barChart(
            ratios.map((r) => r.target),
            [
              figureBars(
                'server / bare relay',
                ratios.map((r) => r.vs_ceiling!),
                COLORS[0]!,
                ratios.map((r) => r.target_ratio),
              ),
            ],
            'ratio',
          ),
        },
        {
          title: 'Round trips one at a time, and messages with a window in flight (a second)',
          config: barChart(
            relay.map((r) => r.target),
            [
              figureBars(
                'round trips/s, one at a time',
                relay.map((r) => r.round_trips_per_s),
                COLORS[1]!,
              ),
              figureBars(
                `messages/s, ${relay[0]?.window ?? ''} in flight`,
                relay.map((r) => r.messages_per_s),
                COLORS[4]!,
              ),
            ],
            'per second',
          ),
        },
        {
          title: 'Round trip latency percentiles',
          note: 'Red lines: the p99 to stay under.',
          config: barChart(
            relay.map((r) => r.target),
            [
              figureBars(
                'p50',
                relay.map((r) => r.p50_ms),
                COLORS[2]!,
              ),
              figureBars(
                'p99',
                relay.map((r) => r.p99_ms),
                COLORS[3]!,
                relay.map((r) => r.target_p99_ms),
              ),
            ],
            'ms',
          ),
        },
      ],
      tables: [relayTable(relay)],
    },
    {
      heading: `Dispatch: request → claim, ${dispatch[0]?.agents ?? ''} agents watching`,
      charts: [
        {
          title: 'Dispatch latency percentiles',
          note: 'Red lines: the p50 and the p99 to stay under.',
          config: barChart(
            dispatch.map((d) => d.store),
            [
              figureBars(
                'p50',
                dispatch.map((d) => d.p50_ms),
                COLORS[2]!,
                dispatch.map((d) => d.target_p50_ms),
              ),
              figureBars(
                'p99',
                dispatch.map((d) => d.p99_ms),
                COLORS[3]!,
                dispatch.map((d) => d.target_p99_ms),
              ),
            ],
            'ms',
          ),
        },
      ],
      tables: [dispatchTable(dispatch)],
    },
  ];
  const intro = [
    `Started ${report.started}. ${machineLine(report.machine)}.`,
    settingsLine(report.settings),
    ...(report.postgres ? [`PostgreSQL left out: ${report.postgres}`] : []),
  ];
  fs.writeFileSync(file, renderPage('AgentMC realtime bench', intro, sections));
}
