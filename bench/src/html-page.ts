/**
 * A self-contained HTML page of tables and charts: Chart.js's UMD bundle is read from
 * node_modules and inlined with the charts' data, so that the page opens offline, anywhere, and
 * shows the same forever. html-report.ts lays out each benchmark's page with it.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Figure } from './figures.js';

const require = createRequire(import.meta.url);

/** Chart.js's minified UMD bundle (the package exports only its modules, so found beside them). */
function chartJs(): string {
  const main = require.resolve('chart.js');
  const bundle = fs.readFileSync(path.join(path.dirname(main), 'chart.umd.min.js'), 'utf8');
  return bundle.replace(/<\/script/gi, '<\\/script');
}

export const COLORS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#b07aa1', '#9c755f'];

/** A chart: its title, a note under it, and a Chart.js configuration that is plain data. */
export interface ChartSpec {
  readonly title: string;
  readonly note?: string;
  readonly config: unknown;
}

export interface Table {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

export interface Section {
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

/**
 * A bar per figure (its median), its min–max drawn as a whisker and, where given, its target as
 * a red line across the bar, both by the page's plugin.
 */
export function figureBars(
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
export function barChart(labels: readonly string[], datasets: readonly Bars[], yTitle: string) {
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

/** The whole page: the sections in order, then Chart.js and the charts' data inlined. */
export function renderPage(title: string, intro: readonly string[], sections: readonly Section[]) {
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
