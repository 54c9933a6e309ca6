/**
 * `pnpm bench`: the two agent operations on the real server (SQLite and PostgreSQL), beside their
 * ceilings measured in the same run on the same machine: raw node:http, bare Express 4 with
 * express.json(), and the store alone without HTTP. Prints a table and writes it as JSON under
 * bench/results/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore, type KyselyStore } from '@agentmc/server';
import {
  freePort,
  postgresAvailable,
  spawnServer,
  testDatabase,
  type StoreKind,
} from '@agentmc/server/testing';
import { load, type LoadResult } from './load.js';
import { summarise } from './profile.js';
import { fillSqlite, insertRequestedSessions, seedAgents, type BenchAgent } from './seed.js';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const WARMUP = 2;
const AGENTS = 100;
const LIST_SESSIONS = 10_000;
const CLAIMS = Number(process.env.BENCH_CLAIMS ?? 10_000);
const CLAIM_WARMUP = 1_000;
const SUSTAIN_SECONDS = Number(process.env.BENCH_SUSTAIN ?? 20);
const SCALES = [1_000, 100_000, 1_000_000];
/** Few enough agents that even 1,000 sessions give each a full page of 20 requested ones. */
const SCALE_AGENTS = 10;
/** BENCH_PROFILE=1: run the real servers under --cpu-prof and print where their time went. */
const PROFILE = process.env.BENCH_PROFILE === '1';

const here = path.dirname(fileURLToPath(import.meta.url));
const resultsDir = path.resolve(here, '../results');
const ceilingScript = path.join(here, 'ceiling-server.js');
const now = () => Math.floor(Date.now() / 1000);

interface Row {
  target: string;
  operation: 'list' | 'claim';
  rps: number;
  p50_ms: number | null;
  p99_ms: number | null;
  vs_express: number | null;
  note?: string;
}

const rows: Row[] = [];
const extra: Record<string, unknown> = {};

function log(message: string) {
  process.stderr.write(`${message}\n`);
}

function round(n: number, digits = 2) {
  return Math.round(n * 10 ** digits) / 10 ** digits;
}

function rssOf(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

/** Cycles through agents so that every request is a different agent's list. */
function listRequests(agents: readonly BenchAgent[]) {
  let i = 0;
  return () => {
    const agent = agents[i++ % agents.length]!;
    return {
      path: '/api/v1/agents/realtime/sessions/requested?limit=20',
      headers: { 'x-api-key': agent.key },
    };
  };
}

/** Each request claims the next distinct session with its agent's key. */
function claimRequests(queue: { id: number; key: string }[]) {
  let i = 0;
  return () => {
    const next = queue[i++ % queue.length]!;
    return {
      path: `/api/v1/agents/realtime/sessions/${next.id}/claim`,
      headers: { 'x-api-key': next.key, 'content-type': 'application/json' },
      body: '{}',
    };
  };
}

function claimQueue(agents: readonly BenchAgent[], ids: Map<number, number[]>) {
  const queue: { id: number; key: string }[] = [];
  const perAgent = agents.map((a) => ({ key: a.key, ids: ids.get(a.id) ?? [] }));
  const total = perAgent.reduce((n, a) => n + a.ids.length, 0);
  for (let round = 0; queue.length < total; round++) {
    for (const a of perAgent)
      if (round < a.ids.length) queue.push({ id: a.ids[round]!, key: a.key });
  }
  return queue;
}

type Phase = 'warmup' | 'measure';

/** How long a timed run lasts in each phase. */
const timed = (phase: Phase) => ({ duration: phase === 'warmup' ? WARMUP : DURATION });

/** A warm-up run, then the measured one: the same load, each phase as `run` shapes it. */
async function measured(label: string, run: (phase: Phase) => Promise<LoadResult>) {
  await run('warmup');
  const result = await run('measure');
  if (result.non2xx > 0 || result.errors > 0) {
    log(`  ! ${label}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  }
  log(`  ${label}: ${result.rps} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms`);
  return result;
}

/** Store alone: `workers` concurrent loops of one operation, as operations per second. */
async function opsPerSecond(
  op: (i: number) => Promise<unknown>,
  options: { seconds?: number; total?: number; workers?: number },
) {
  const workers = options.workers ?? CONNECTIONS;
  const deadline = performance.now() + (options.seconds ?? DURATION) * 1000;
  let issued = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      for (;;) {
        if (options.total !== undefined ? issued >= options.total : performance.now() > deadline)
          return;
        await op(issued++);
      }
    }),
  );
  return Math.round(issued / ((performance.now() - started) / 1000));
}

async function startCeiling(kind: 'raw' | 'express', listFile: string, claimFile: string) {
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [ceilingScript, kind, String(port), listFile, claimFile],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`${kind} ceiling exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => (child.once('exit', () => resolve()), child.kill('SIGTERM'))),
  };
}

async function openFor(kind: StoreKind) {
  const database = testDatabase(kind);
  const store = await openStore({
    databaseUrl: database.databaseUrl,
    ...(database.schema ? { schema: database.schema } : {}),
  });
  const env = {
    DATABASE_URL: database.databaseUrl,
    ...(database.schema ? { DATABASE_SCHEMA: database.schema } : {}),
    RATE_LIMIT_PER_MINUTE: '0',
    LOG_LEVEL: 'warn',
  };
  return { database, store, env };
}

/** The real server over one store: list and claim, the store alone, and (SQLite) memory. */
async function benchServer(kind: StoreKind, bodies: { list?: string; claim?: string }) {
  log(`\n${kind}: seeding ${AGENTS} agents, ${LIST_SESSIONS} sessions`);
  const { database, store, env } = await openFor(kind);
  try {
    const agents = await seedAgents(store, AGENTS, now());
    await insertRequestedSessions(store, agents, LIST_SESSIONS, now());
    const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), `agentmc-prof-${kind}-`));
    const server = await spawnServer(
      env,
      PROFILE ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] } : {},
    );
    const pid = server.child.pid!;
    try {
      const listUrl = `${server.baseUrl}/agents/realtime/sessions/requested?limit=20`;
      bodies.list ??= await (
        await fetch(listUrl, { headers: { 'x-api-key': agents[0]!.key } })
      ).text();

      const list = await measured(`${kind} list`, (phase) =>
        load({
          url: server.origin,
          connections: CONNECTIONS,
          ...timed(phase),
          next: listRequests(agents),
        }),
      );
      rows.push({
        target: `server (${kind})`,
        operation: 'list',
        rps: list.rps,
        p50_ms: list.p50,
        p99_ms: list.p99,
        vs_express: null,
      });

      if (kind === 'sqlite') {
        const before = rssOf(pid);
        log(`  sqlite sustained list load for ${SUSTAIN_SECONDS} s (memory)`);
        const sustained = await load({
          url: server.origin,
          connections: CONNECTIONS,
          duration: SUSTAIN_SECONDS,
          next: listRequests(agents),
        });
        const after = rssOf(pid);
        extra.memory = {
          store: kind,
          rss_after_warmup_mb: before,
          rss_after_sustained_mb: after,
          growth_mb: after - before,
          sustained_seconds: SUSTAIN_SECONDS,
          sustained_requests: sustained.requests,
        };
        log(
          `  rss ${before} MB after warm-up → ${after} MB after ${sustained.requests} more requests`,
        );
      }

      log(`  ${kind}: seeding ${CLAIM_WARMUP + CLAIMS} sessions to claim`);
      const claimIds = await insertRequestedSessions(store, agents, CLAIM_WARMUP + CLAIMS, now());
      const queue = claimQueue(agents, claimIds);
      const warmQueue = queue.slice(0, CLAIM_WARMUP);
      const mainQueue = queue.slice(CLAIM_WARMUP);
      const claim = await measured(`${kind} claim`, (phase) => {
        const queue = phase === 'warmup' ? warmQueue : mainQueue;
        return load({
          url: server.origin,
          connections: CONNECTIONS,
          method: 'POST',
          amount: queue.length,
          next: claimRequests(queue),
        });
      });
      if (claim.non2xx > 0)
        throw new Error(
          `${kind} claim: ${claim.non2xx} claims did not win: each request must claim a distinct session`,
        );
      rows.push({
        target: `server (${kind})`,
        operation: 'claim',
        rps: claim.rps,
        p50_ms: claim.p50,
        p99_ms: claim.p99,
        vs_express: null,
      });
      if (!bodies.claim) {
        const one = (await insertRequestedSessions(store, agents.slice(0, 1), 1, now())).get(
          agents[0]!.id,
        )![0]!;
        bodies.claim = await (
          await fetch(`${server.baseUrl}/agents/realtime/sessions/${one}/claim`, {
            method: 'POST',
            headers: { 'x-api-key': agents[0]!.key },
          })
        ).text();
      }
    } finally {
      await server.stop();
      if (PROFILE) {
        for (const file of fs.readdirSync(profileDir)) {
          const profile = path.join(profileDir, file);
          log(
            `\n${kind} server profile (list and claim runs): ${profile}\n${summarise(JSON.parse(fs.readFileSync(profile, 'utf8')), 15)}`,
          );
        }
      } else fs.rmSync(profileDir, { recursive: true, force: true });
    }

    await benchStore(kind, store, agents);
  } finally {
    await store.close();
    await database.drop();
  }
}

async function benchStore(kind: StoreKind, store: KyselyStore, agents: readonly BenchAgent[]) {
  const t = now();
  const listOps = await opsPerSecond(
    (i) =>
      store.listRequestedSessions({ agentId: agents[i % agents.length]!.id, now: t, limit: 20 }),
    {},
  );
  const claimIds = await insertRequestedSessions(store, agents, CLAIMS, now());
  const all = [...claimIds.entries()].flatMap(([agentId, ids]) =>
    ids.map((id) => ({ agentId, id })),
  );
  const team = (await store.findAgent(agents[0]!.id))!.team_id;
  const claimOps = await opsPerSecond(
    async (i) => {
      const target = all[i]!;
      const outcome = await store.claimSession({
        sessionId: target.id,
        teamId: team,
        agentId: target.agentId,
        now: t,
        claimKey: null,
      });
      if (outcome.kind !== 'claimed') throw new Error(`store claim lost: ${outcome.kind}`);
    },
    { total: all.length },
  );
  log(`  ${kind} store alone: list ${listOps} ops/s, claim ${claimOps} ops/s`);
  rows.push({
    target: `store alone (${kind})`,
    operation: 'list',
    rps: listOps,
    p50_ms: null,
    p99_ms: null,
    vs_express: null,
    note: 'ops/s, no HTTP',
  });
  rows.push({
    target: `store alone (${kind})`,
    operation: 'claim',
    rps: claimOps,
    p50_ms: null,
    p99_ms: null,
    vs_express: null,
    note: 'ops/s, no HTTP',
  });
}

async function benchCeilings(bodies: { list: string; claim: string }) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agentmc-bench-'));
  const listFile = path.join(tmp, 'list.json');
  const claimFile = path.join(tmp, 'claim.json');
  fs.writeFileSync(listFile, bodies.list);
  fs.writeFileSync(claimFile, bodies.claim);
  for (const kind of ['raw', 'express'] as const) {
    log(`\nceiling: ${kind === 'raw' ? 'node:http' : 'bare Express 4 + express.json()'}`);
    const ceiling = await startCeiling(kind, listFile, claimFile);
    try {
      const target = kind === 'raw' ? 'node:http' : 'bare Express';
      const listNext = () => ({
        path: '/api/v1/agents/realtime/sessions/requested?limit=20',
        headers: { 'x-api-key': 'x' },
      });
      let n = 0;
      const claimNext = () => ({
        path: `/api/v1/agents/realtime/sessions/${++n}/claim`,
        headers: { 'x-api-key': 'x', 'content-type': 'application/json' },
        body: '{}',
      });
      for (const [operation, next, method] of [
        ['list', listNext, 'GET'],
        ['claim', claimNext, 'POST'],
      ] as const) {
        const r = await measured(`${target} ${operation}`, (phase) =>
          load({ url: ceiling.url, connections: CONNECTIONS, ...timed(phase), method, next }),
        );
        rows.push({
          target,
          operation,
          rps: r.rps,
          p50_ms: r.p50,
          p99_ms: r.p99,
          vs_express: null,
        });
      }
    } finally {
      await ceiling.stop();
    }
  }
  fs.rmSync(tmp, { recursive: true, force: true });
}

/** List p99 over growing stored data (SQLite): it stays flat when the index serves it. */
async function benchScale() {
  const scale: Record<string, unknown>[] = [];
  for (const count of SCALES) {
    log(`\nscale: ${count.toLocaleString('en')} stored sessions (SQLite)`);
    const { database, store, env } = await openFor('sqlite');
    try {
      const agents = await seedAgents(store, SCALE_AGENTS, now());
      const teamId = (await store.findAgent(agents[0]!.id))!.team_id;
      await store.close();
      const started = performance.now();
      fillSqlite(database.databaseUrl, agents, teamId, count, now());
      const fillMs = Math.round(performance.now() - started);
      log(`  generated in ${fillMs} ms`);
      const server = await spawnServer(env);
      try {
        const r = await measured(`list @ ${count}`, (phase) =>
          load({
            url: server.origin,
            connections: CONNECTIONS,
            ...timed(phase),
            next: listRequests(agents),
          }),
        );
        scale.push({
          sessions: count,
          generate_ms: fillMs,
          rps: r.rps,
          p50_ms: r.p50,
          p99_ms: r.p99,
        });
      } finally {
        await server.stop();
      }
    } finally {
      await database.drop();
    }
  }
  extra.scale = scale;
}

function printTable() {
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
  const scale = extra.scale as
    | { sessions: number; p50_ms: number; p99_ms: number; rps: number; generate_ms: number }[]
    | undefined;
  if (scale) {
    console.log('\nList (limit 20) against stored sessions, SQLite:');
    for (const s of scale) {
      console.log(
        `  ${s.sessions.toLocaleString('en').padStart(9)} sessions: p50 ${s.p50_ms} ms, p99 ${s.p99_ms} ms, ${s.rps} req/s (generated in ${s.generate_ms} ms)`,
      );
    }
  }
  const memory = extra.memory as
    | {
        rss_after_warmup_mb: number;
        rss_after_sustained_mb: number;
        sustained_seconds: number;
        sustained_requests: number;
      }
    | undefined;
  if (memory) {
    console.log(
      `\nMemory (SQLite server): RSS ${memory.rss_after_warmup_mb} MB after warm-up, ${memory.rss_after_sustained_mb} MB after ${memory.sustained_seconds} s / ${memory.sustained_requests} more requests`,
    );
  }
}

async function main() {
  const started = new Date();
  const bodies: { list?: string; claim?: string } = {};
  await benchServer('sqlite', bodies);
  if (await postgresAvailable()) await benchServer('postgres', bodies);
  else {
    log('\nPostgreSQL not reachable: skipping its runs');
    extra.postgres = 'skipped: not reachable';
  }
  await benchCeilings({ list: bodies.list!, claim: bodies.claim! });
  await benchScale();

  // Ceilings first in the table, as the reference.
  const order = [
    'node:http',
    'bare Express',
    'server (sqlite)',
    'server (postgres)',
    'store alone (sqlite)',
    'store alone (postgres)',
  ];
  rows.sort(
    (a, b) =>
      order.indexOf(a.target) - order.indexOf(b.target) ||
      a.operation.localeCompare(b.operation) * -1,
  );
  console.log(
    `\nAgentMC bench — ${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), Node ${process.version}, ` +
      `${CONNECTIONS} connections, ${DURATION} s per run after ${WARMUP} s warm-up\n`,
  );
  printTable();
  const report = {
    started: started.toISOString(),
    machine: {
      cores: os.cpus().length,
      cpu: os.cpus()[0]?.model.trim(),
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
    },
    settings: {
      connections: CONNECTIONS,
      duration_s: DURATION,
      warmup_s: WARMUP,
      agents: AGENTS,
      list_sessions: LIST_SESSIONS,
      claims: CLAIMS,
    },
    rows,
    ...extra,
  };
  fs.mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `bench-${started.toISOString().replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  fs.writeFileSync(path.join(resultsDir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nwritten: ${path.relative(process.cwd(), file)}`);
}

await main();
