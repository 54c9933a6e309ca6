/**
 * Each benchmark's report as one self-contained HTML file beside its JSON: the tables, and
 * charts drawn by Chart.js, whose UMD bundle is read from node_modules and inlined, so that the
 * file opens offline, anywhere, and shows the same forever.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { formatFigure, spreadPercent, type Figure } from './figures.js';
import type { BenchReport, Machine, RealtimeReport } from './report-shape.js';
import { dispatchTargets, relayTargets, throughputTargets, verdict } from './targets.js';

const require = createRequire(import.meta.url);

/** Chart.js's minified UMD bundle (the package exports only its modules, so found beside them). */
function chartJs(): string {
  const main = require.resolve('chart.js');
  const bundle = fs.readFileSync(path.join(path.dirname(main), 'chart.umd.min.js'), 'utf8');
  return bundle.replace(/<\/script/gi, '<\\/script');
}

const COLORS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#b07aa1', '#9c755f'];

/** A chart: its title, a note under it, and a Chart.js configuration that is plain data. */
interface ChartSpec {
  readonly title: string;
  readonly note?: string;
  readonly config: unknown;
}

interface Table {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

interface Section {
  readonly heading: string;
  readonly text?: string;
  readonly charts?: readonly ChartSpec[];
  readonly tables?: readonly Table[];
}

const escape = (text: string) =>
  text.replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c,
  );

/** `median (min–max)`, or a dash for a figure that was not measured. */
const fig = (f: Figure | null, digits = 0) => (f ? formatFigure(f, digits) : '-');
const spread = (f: Figure) => `${spreadPercent(f)}%`;

/**
 * A bar per figure (its median), its min–max drawn as a whisker and, where given, its target as
 * a red line across the bar, both by the page's plugin.
 */
function figureBars(
  label: string,
  figures: readonly Figure[],
  color: string,
  targets?: readonly (number | null)[],
) {
  return {
    label,
    data: figures.map((f) => f.median),
    whiskers: figures.map((f) => [f.min, f.max]),
    ...(targets ? { targets } : {}),
    backgroundColor: color,
  };
}

type Bars = ReturnType<typeof figureBars>;

/** Bars whose axis reaches the highest whisker and target, which Chart.js does not count. */
function barChart(labels: readonly string[], datasets: readonly Bars[], yTitle: string) {
  const highest = Math.max(
    ...datasets.flatMap((d) => [
      ...d.whiskers.map(([, max]) => max!),
      ...(d.targets ?? []).map((t) => t ?? 0),
    ]),
    0,
  );
  return {
    type: 'bar',
    data: { labels, datasets },
    options: {
      scales: {
        y: {
          beginAtZero: true,
          suggestedMax: highest * 1.05,
          title: { display: true, text: yTitle },
        },
      },
    },
  };
}

/** The page's own script: the whisker plugin, then every chart. */
const PAGE_SCRIPT = `
Chart.defaults.animation = false;
Chart.defaults.maintainAspectRatio = false;
// Each bar's min–max as a whisker, and its target as a red line across it.
Chart.register({
  id: 'whiskersAndTargets',
  afterDatasetsDraw(chart) {
    const ctx = chart.ctx;
    chart.data.datasets.forEach((dataset, i) => {
      const meta = chart.getDatasetMeta(i);
      if (!dataset.whiskers || meta.hidden) return;
      const y = chart.scales[meta.yAxisID];
      ctx.save();
      meta.data.forEach((bar, j) => {
        const w = dataset.whiskers[j];
        const top = y.getPixelForValue(w[1]);
        const bottom = y.getPixelForValue(w[0]);
        const cap = Math.min(8, bar.width / 4);
        ctx.strokeStyle = '#222';
        ctx.lineWidth = 1.5;
        ctx.beginPath();
        ctx.moveTo(bar.x, bottom); ctx.lineTo(bar.x, top);
        ctx.moveTo(bar.x - cap, top); ctx.lineTo(bar.x + cap, top);
        ctx.moveTo(bar.x - cap, bottom); ctx.lineTo(bar.x + cap, bottom);
        ctx.stroke();
        const target = dataset.targets && dataset.targets[j];
        if (target === null || target === undefined) return;
        const at = y.getPixelForValue(target);
        ctx.strokeStyle = '#d62728';
        ctx.lineWidth = 3;
        ctx.beginPath();
        ctx.moveTo(bar.x - bar.width / 2 - 4, at); ctx.lineTo(bar.x + bar.width / 2 + 4, at);
        ctx.stroke();
      });
      ctx.restore();
    });
  },
});
// A logarithmic axis names its powers of ten only.
const powersOfTen = (value) => (Number.isInteger(Math.log10(value)) ? value.toLocaleString('en') : '');
for (const [i, spec] of CHARTS.entries()) {
  for (const axis of Object.values(spec.config.options?.scales ?? {})) {
    if (axis.type === 'logarithmic') axis.ticks = { callback: powersOfTen };
  }
  new Chart(document.getElementById('chart-' + i), spec.config);
}
`;

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2.5rem; } h3 { font-size: 1rem; }
.chart { position: relative; height: 340px; margin-bottom: 0.5rem; }
.note { color: #555; margin-top: 0; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.6rem; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.missed { color: #b00020; font-weight: 600; } .met { color: #1b7a2b; }
`;

function renderTable(t: Table): string {
  const cell = (c: string) => {
    const cls = /^-?[\d.,]+( \(|$)/.test(c) ? 'n' : c === 'missed' || c === 'met' ? c : '';
    return `<td${cls ? ` class="${cls}"` : ''}>${escape(c)}</td>`;
  };
  return (
    `<table><thead><tr>${t.header.map((h) => `<th>${escape(h)}</th>`).join('')}</tr></thead>` +
    `<tbody>${t.rows.map((r) => `<tr>${r.map(cell).join('')}</tr>`).join('')}</tbody></table>`
  );
}

function machineLine(m: Machine): string {
  return (
    `${m.cores} cores (${m.cpu ?? 'unknown CPU'}), Node ${m.node} on ${m.platform}; ` +
    `load average ${m.load_average.before.toFixed(2)} before, ${m.load_average.after.toFixed(2)} after`
  );
}

/** The whole page: the sections in order, then Chart.js and the charts' data inlined. */
function renderPage(title: string, intro: readonly string[], sections: readonly Section[]) {
  const charts: ChartSpec[] = [];
  const body = sections
    .map((s) => {
      const parts = [`<h2>${escape(s.heading)}</h2>`];
      if (s.text) parts.push(`<p>${escape(s.text)}</p>`);
      for (const c of s.charts ?? []) {
        parts.push(`<h3>${escape(c.title)}</h3>`);
        parts.push(`<div class="chart"><canvas id="chart-${charts.length}"></canvas></div>`);
        if (c.note) parts.push(`<p class="note">${escape(c.note)}</p>`);
        charts.push(c);
      }
      for (const t of s.tables ?? []) parts.push(renderTable(t));
      return parts.join('\n');
    })
    .join('\n');
  // Data inside a script: no "</script>" or "<!--" can close or bend it.
  const data = JSON.stringify(charts).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escape(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escape(title)}</h1>
${intro.map((line) => `<p>${escape(line)}</p>`).join('\n')}
${body}
<script>${chartJs()}</script>
<script>
const CHARTS = ${data};
${PAGE_SCRIPT}
</script>
</body>
</html>
`;
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
      tables: [
        {
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
            spread(r.rps),
            fig(r.p50_ms, 1),
            fig(r.p99_ms, 1),
            fig(r.vs_express, 2),
            throughputTargets(r)?.text ?? '',
            verdict(throughputTargets(r)),
          ]),
        },
      ],
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
      tables: [
        {
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
        },
      ],
    },
    {
      heading: `Dispatch: request → claim, ${dispatch[0]?.agents ?? ''} agents racing`,
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
      tables: [
        {
          header: [
            'store',
            'sessions a run',
            'p50 ms',
            'p99 ms',
            'mean ms',
            'request answered p50 ms',
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
        },
      ],
    },
  ];
  const intro = [
    `Started ${report.started}. ${machineLine(report.machine)}.`,
    settingsLine(report.settings),
    ...(report.postgres ? [`PostgreSQL left out: ${report.postgres}`] : []),
  ];
  fs.writeFileSync(file, renderPage('AgentMC realtime bench', intro, sections));
}
