import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { figure } from '../src/figures.js';
import { writeBenchHtml, writeRealtimeHtml } from '../src/html-report.js';
import type { BenchReport, Machine, RealtimeReport } from '../src/report-shape.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentmc-bench-html-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const machine: Machine = {
  cores: 2,
  cpu: 'Test CPU',
  node: 'v20.0.0',
  platform: 'linux x64',
  load_average: { before: 0.4, after: 1.2 },
};

const bench: BenchReport = {
  kind: 'bench',
  started: '2026-12-02T12:00:00.000Z',
  machine,
  settings: { runs: 3, connections: 10 },
  rows: [
    {
      target: 'bare Express',
      operation: 'list',
      rps: figure([6400, 6503, 6611]),
      p50_ms: figure([1, 1, 1]),
      p99_ms: figure([4, 4, 5]),
      vs_express: null,
      target_ratio: null,
    },
    {
      target: 'server (sqlite)',
      operation: 'list',
      rps: figure([2166, 2051, 2302]),
      p50_ms: figure([3, 3, 4]),
      p99_ms: figure([11, 12, 10]),
      vs_express: figure([0.33, 0.31, 0.35]),
      target_ratio: 0.6,
    },
  ],
  scale: [
    {
      sessions: 1_000,
      generate_ms: 40,
      rps: figure([2100]),
      p50_ms: figure([3]),
      p99_ms: figure([9]),
    },
    {
      sessions: 1_000_000,
      generate_ms: 5123,
      rps: figure([2050]),
      p50_ms: figure([3]),
      p99_ms: figure([7.5]),
    },
  ],
  memory: {
    store: 'sqlite',
    seconds: 20,
    requests: 50_000,
    samples: [
      [0, 151],
      [10, 147.5],
      [20, 145.25],
    ],
    rss_start_mb: 151,
    rss_end_mb: 145.25,
    slope_mb_per_min: -0.4,
  },
  postgres: null,
};

const realtime: RealtimeReport = {
  kind: 'realtime',
  started: '2026-12-02T12:00:00.000Z',
  machine,
  settings: { runs: 2, relay: 50 },
  relay: [
    {
      target: 'bare ws relay',
      clients: 'raw ws',
      round_trips: 50,
      p50_ms: figure([0.46, 0.56]),
      p99_ms: figure([1.37, 3.02]),
      mean_ms: figure([0.56, 0.58]),
      round_trips_per_s: figure([1714, 1720]),
      window: 32,
      burst: 200,
      messages_per_s: figure([3425, 4044]),
      vs_ceiling: null,
      target_ratio: null,
      target_p99_ms: null,
    },
    {
      target: 'server (sqlite)',
      clients: 'raw ws',
      round_trips: 50,
      p50_ms: figure([0.74, 1.6]),
      p99_ms: figure([3.71, 4.35]),
      mean_ms: figure([1.38, 1.65]),
      round_trips_per_s: figure([598, 720]),
      window: 32,
      burst: 200,
      messages_per_s: figure([315, 1016]),
      vs_ceiling: figure([0.35, 0.38, 0.42]),
      target_ratio: 0.5,
      target_p99_ms: 5,
    },
  ],
  dispatch: [
    {
      store: 'sqlite',
      agents: 10,
      sessions: 30,
      p50_ms: figure([3.5, 4.1]),
      p99_ms: figure([12.25, 18]),
      mean_ms: figure([4, 4.4]),
      request_answered_p50_ms: figure([2, 2.5]),
      lost_claims: 540,
      winners: { 'agent 0': 60 },
      target_p50_ms: 5,
      target_p99_ms: 20,
    },
  ],
  postgres: 'PostgreSQL did not answer',
};

/** The page's inline scripts, and whether any script or stylesheet is loaded from elsewhere. */
function scripts(html: string) {
  return [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)].map((m) => ({
    attributes: m[1]!,
    body: m[2]!,
  }));
}

function expectSelfContained(html: string) {
  const all = scripts(html);
  expect(all).toHaveLength(2);
  // Chart.js itself, inlined, and nothing fetched from anywhere.
  expect(all[0]!.body).toContain('Chart.js v4');
  for (const s of all) {
    expect(s.attributes).not.toMatch(/src/i);
    // Each inline script at least compiles.
    expect(() => new vm.Script(s.body)).not.toThrow();
  }
  expect(html).not.toMatch(/<script[^>]+src\s*=\s*["']?https?:\/\//i);
  expect(html).not.toMatch(/<link[^>]+href\s*=\s*["']?https?:\/\//i);
}

describe('the HTML reports', () => {
  it("inline Chart.js and `pnpm bench`'s figures, targets, scale curve and RSS trace", () => {
    const file = path.join(dir, 'bench.html');
    writeBenchHtml(file, bench);
    const html = fs.readFileSync(file, 'utf8');
    expectSelfContained(html);
    const data = scripts(html)[1]!.body;
    // The ratio's median and whisker, and its target.
    expect(data).toContain('"data":[0.33]');
    expect(data).toContain('"whiskers":[[0.31,0.35]]');
    expect(data).toContain('"targets":[0.6]');
    // The scale curve on a log axis, and the RSS samples.
    expect(data).toContain('{"x":1000000,"y":7.5}');
    expect(data).toContain('"type":"logarithmic"');
    expect(data).toContain('{"x":20,"y":145.25}');
    // The table: median (min–max), and the verdict against the target.
    expect(html).toContain('<td class="n">2166 (2051–2302)</td>');
    expect(html).toContain('<td class="missed">missed</td>');
    expect(html).toContain('1,000,000');
  });

  it("inline Chart.js and the realtime bench's relay, ratio and dispatch figures", () => {
    const file = path.join(dir, 'realtime.html');
    writeRealtimeHtml(file, realtime);
    const html = fs.readFileSync(file, 'utf8');
    expectSelfContained(html);
    const data = scripts(html)[1]!.body;
    expect(data).toContain('"whiskers":[[0.35,0.42]]');
    expect(data).toContain('"targets":[0.5]');
    expect(data).toContain('"targets":[null,5]');
    expect(data).toContain('"targets":[5]');
    expect(data).toContain('"targets":[20]');
    expect(html).toContain('<td class="n">1717 (1714–1720)</td>');
    expect(html).toContain('<td class="n">0.38 (0.35–0.42)</td>');
    expect(html).toContain('<td class="met">met</td>');
    expect(html).toContain('PostgreSQL left out: PostgreSQL did not answer');
  });
});
