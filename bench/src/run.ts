/**
 * `pnpm bench`: the two agent operations on the real server (SQLite and PostgreSQL), beside their
 * ceilings in the same run on the same machine: raw node:http and bare Express 4 with
 * express.json(), serving the real responses' bytes. Every target runs once per round, the
 * rounds interleaved, and each figure is the median of its rounds with its spread (rounds.ts).
 * Then the store alone without HTTP, the server's memory through a sustained load, and the list
 * against a growing number of stored sessions. Prints the table; writes JSON and an HTML report
 * under bench/results/.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Database, Store } from '@agentmc/server';
import { sql, type Kysely } from 'kysely';
import {
  postgresAvailable,
  spawnServer,
  type ServerProcess,
  type StoreKind,
} from '@agentmc/testkit/core';
import { ceilingRequests, startCeiling, type Ceiling } from './ceilings.js';
import {
  AGENTS,
  LIST_SESSIONS,
  SCALES,
  WARMUP,
  claimQueue,
  claimRequests,
  listRequests,
  log,
  logThrough,
  now,
  openFor,
} from './common.js';
import { figure } from './figures.js';
import { load, type LoadResult } from './load.js';
import { summariseFile } from './profile.js';
import { writeBenchHtml } from './html-report.js';
import { progress } from './progress.js';
import { printTable } from './report.js';
import { runName, writeResults } from './results.js';
import type { BenchReport, MemoryTrace, ThroughputRow } from './report-shape.js';
import { figuresOf, interleaved, ratioOf, type Target } from './rounds.js';
import { benchScale } from './scale.js';
import { insertRequestedSessions, seedAgents, type BenchAgent } from './seed.js';
import { CLAIMS, CONNECTIONS, DURATION, PROFILE, ROUNDS, SUSTAIN_SECONDS } from './settings.js';

/** What each server must reach, as a ratio to bare Express in the same round. */
const TARGET_RATIOS: Record<StoreKind, Record<'list' | 'claim', number>> = {
  sqlite: { list: 0.6, claim: 0.5 },
  postgres: { list: 0.5, claim: 0.35 },
};

/** A real server over a seeded store, and what its load needs. */
interface ServerUnderTest {
  readonly kind: StoreKind;
  readonly name: string;
  readonly server: ServerProcess;
  readonly store: Store;
  readonly db: Kysely<Database>;
  readonly agents: readonly BenchAgent[];
  readonly claims: readonly { id: number; key: string }[];
  readonly profileDir: string;
  close(): Promise<void>;
}

function rssOf(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 102.4) / 10;
}

async function startServer(kind: StoreKind): Promise<ServerUnderTest> {
  log(`${kind}: seeding ${AGENTS} agents, ${LIST_SESSIONS} sessions to list, ${CLAIMS} to claim`);
  const { database, store, db, env } = await openFor(kind);
  const agents = await seedAgents(store, AGENTS, now());
  await insertRequestedSessions(store, db, agents, LIST_SESSIONS, now());
  const claims = claimQueue(
    agents,
    await insertRequestedSessions(store, db, agents, CLAIMS, now()),
  );
  const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), `agentmc-prof-${kind}-`));
  const server = await spawnServer(
    env,
    PROFILE ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] } : {},
  );
  return {
    kind,
    name: `server (${kind})`,
    server,
    store,
    db,
    agents,
    claims,
    profileDir,
    /** After its server stopped: its profile, then its store and database go. */
    async close() {
      if (PROFILE) {
        for (const file of fs.readdirSync(profileDir)) {
          const profile = path.join(profileDir, file);
          log(`\n${kind} server profile: ${profile}\n${summariseFile(profile, 15)}`);
        }
      } else fs.rmSync(profileDir, { recursive: true, force: true });
      await store.close();
      await database.drop();
    },
  };
}

/** The bodies the real server answers, for the ceilings to serve byte for byte. */
async function realBodies(target: ServerUnderTest) {
  const key = target.agents[0]!.key;
  const list = await (
    await fetch(`${target.server.baseUrl}/agents/realtime/sessions/requested?limit=20`, {
      headers: { 'x-api-key': key },
    })
  ).text();
  const one = (
    await insertRequestedSessions(target.store, target.db, target.agents.slice(0, 1), 1, now())
  ).get(target.agents[0]!.id)![0]!;
  const claim = await (
    await fetch(`${target.server.baseUrl}/agents/realtime/sessions/${one}/claim`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: '{}',
    })
  ).text();
  return { list, claim };
}

/**
 * Every claim won exactly once: no run had a refusal, the store holds as many claimed sessions
 * (claimed at some point: the sweeper fails those whose agent never connects) as
 * claims were answered 200 (plus the requests each run cut off in flight, at most one per
 * connection, and the one the bodies came from), and each has exactly one `claimed` status signal.
 */
async function checkClaims(target: ServerUnderTest, results: readonly LoadResult[]) {
  const refused = results.reduce((n, r) => n + r.non2xx + r.errors, 0);
  if (refused > 0) {
    throw new Error(
      `${target.name}: ${refused} claims were refused or failed; every request must win a distinct ` +
        `session (raise BENCH_CLAIMS if the ${CLAIMS} seeded ran out)`,
    );
  }
  const answered = results.reduce((n, r) => n + r.requests, 0) + 1;
  const { rows } = await sql<{ sessions: number | string; signals: number | string }>`
    select
      (select count(*) from realtime_sessions where claimed_at is not null) as sessions,
      (select count(*) from realtime_signals where idempotency_key = 'status:claimed') as signals`.execute(
    target.db,
  );
  const claimed = Number(rows[0]!.sessions);
  const signals = Number(rows[0]!.signals);
  const cut = results.length * CONNECTIONS;
  if (claimed < answered || claimed > answered + cut || signals !== claimed) {
    throw new Error(
      `${target.name}: ${answered} claims answered 200 (${cut} more may have been cut off in ` +
        `flight), but ${claimed} sessions are claimed with ${signals} claimed signals`,
    );
  }
  return { answered, claimed };
}

/** Store alone: `workers` concurrent loops of one operation for `seconds`, in operations a second. */
async function opsPerSecond(
  op: (i: number) => Promise<unknown>,
  seconds: number,
  limit = Infinity,
) {
  const deadline = performance.now() + seconds * 1000;
  let issued = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < deadline && issued < limit) await op(issued++);
    }),
  );
  return Math.round(issued / ((performance.now() - started) / 1000));
}

async function benchStoreAlone(
  target: ServerUnderTest,
  step: (label: string) => void,
): Promise<ThroughputRow[]> {
  const { store, db, agents, kind } = target;
  const t = now();
  const list: number[] = [];
  const claim: number[] = [];
  const team = (await store.identity.findAgent(agents[0]!.id))!.team_id;
  for (let round = 0; round < ROUNDS; round++) {
    step(`${kind} store alone: round ${round + 1}/${ROUNDS}`);
    list.push(
      await opsPerSecond(
        (i) =>
          store.sessions.listRequested({
            agentId: agents[i % agents.length]!.id,
            now: t,
            limit: 20,
          }),
        DURATION,
      ),
    );
    const ids = await insertRequestedSessions(store, db, agents, 5_000, now());
    const queue = [...ids.entries()].flatMap(([agentId, list]) =>
      list.map((id) => ({ agentId, id })),
    );
    claim.push(
      await opsPerSecond(
        async (i) => {
          const next = queue[i]!;
          const outcome = await store.sessions.claim({
            sessionId: next.id,
            teamId: team,
            agentId: next.agentId,
            now: t,
            claimKey: null,
            reason: 'claimed',
          });
          if (outcome.kind !== 'claimed') throw new Error(`store claim lost: ${outcome.kind}`);
        },
        DURATION,
        queue.length,
      ),
    );
  }
  const row = (operation: 'list' | 'claim', runs: number[]): ThroughputRow => ({
    target: `store alone (${kind})`,
    operation,
    rps: figure(runs, 0),
    p50_ms: null,
    p99_ms: null,
    vs_express: null,
    target_ratio: null,
    note: 'ops/s, no HTTP',
  });
  return [row('list', list), row('claim', claim)];
}

/** RSS of the SQLite server sampled every second through a sustained list load. */
async function traceMemory(target: ServerUnderTest): Promise<MemoryTrace> {
  const pid = target.server.child.pid!;
  const started = performance.now();
  const samples: [number, number][] = [[0, rssOf(pid)]];
  const timer = setInterval(
    () => samples.push([Math.round((performance.now() - started) / 100) / 10, rssOf(pid)]),
    1000,
  );
  const result = await load({
    url: target.server.origin,
    connections: CONNECTIONS,
    duration: SUSTAIN_SECONDS,
    next: listRequests(target.agents),
  }).finally(() => clearInterval(timer));
  samples.push([Math.round((performance.now() - started) / 100) / 10, rssOf(pid)]);
  // The slope of the second half: after the first seconds' growth of caches and the JIT.
  const half = samples.slice(Math.floor(samples.length / 2));
  const mx = half.reduce((a, [x]) => a + x, 0) / half.length;
  const my = half.reduce((a, [, y]) => a + y, 0) / half.length;
  const sxx = half.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  const sxy = half.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  return {
    store: target.kind,
    seconds: SUSTAIN_SECONDS,
    requests: result.requests,
    samples,
    rss_start_mb: samples[0]![1],
    rss_end_mb: samples.at(-1)![1],
    slope_mb_per_min: sxx === 0 ? 0 : Math.round((sxy / sxx) * 60 * 10) / 10,
  };
}

async function main() {
  const started = new Date();
  const loadBefore = os.loadavg()[0]!;
  const withPostgres = await postgresAvailable();
  const stores = withPostgres ? 2 : 1;
  const targets = 2 + stores;
  const p = progress(
    2 * targets * (1 + ROUNDS) + 1 + stores * ROUNDS + SCALES.length * (1 + ROUNDS),
  );
  logThrough((message) => p.log(message));
  const servers: ServerUnderTest[] = [await startServer('sqlite')];
  let postgres: string | null = null;
  if (withPostgres) servers.push(await startServer('postgres'));
  else {
    log('PostgreSQL not reachable: skipping its runs');
    postgres = 'skipped: not reachable';
  }
  const rows: ThroughputRow[] = [];
  let memory: MemoryTrace | null = null;
  const ceilings: Ceiling[] = [];
  try {
    const bodies = await realBodies(servers[0]!);
    ceilings.push(await startCeiling('raw', bodies), await startCeiling('express', bodies));
    for (const operation of ['list', 'claim'] as const) {
      log(
        `\n${operation}: ${ROUNDS} rounds of ${DURATION} s per target, ${CONNECTIONS} connections, ` +
          `after ${WARMUP} s of warm-up each`,
      );
      const targets: Target[] = [
        ...ceilings.map((c) => ({
          name: c.name,
          url: c.url,
          method: operation === 'list' ? ('GET' as const) : ('POST' as const),
          next: ceilingRequests(operation),
        })),
        ...servers.map((s) => ({
          name: s.name,
          url: s.server.origin,
          method: operation === 'list' ? ('GET' as const) : ('POST' as const),
          next: operation === 'list' ? listRequests(s.agents) : claimRequests(s.claims),
        })),
      ];
      const { runs, warmups } = await interleaved(targets, {
        rounds: ROUNDS,
        duration: DURATION,
        warmup: WARMUP,
        connections: CONNECTIONS,
        onRun: (label) => p.step(`${operation} · ${label}`),
      });
      const express = runs.get('bare Express')!;
      for (const target of targets) {
        const server = servers.find((s) => s.name === target.name);
        const results = runs.get(target.name)!;
        rows.push({
          target: target.name,
          operation,
          ...figuresOf(results),
          vs_express: server ? ratioOf(results, express) : null,
          target_ratio: server ? TARGET_RATIOS[server.kind][operation] : null,
        });
      }
      if (operation === 'claim') {
        for (const server of servers) {
          const { answered, claimed } = await checkClaims(server, [
            warmups.get(server.name)!,
            ...runs.get(server.name)!,
          ]);
          log(
            `  ${server.name}: ${answered} claims answered 200, ${claimed} sessions claimed, ` +
              `each once, each with one status signal`,
          );
        }
      }
    }
    p.step(`sqlite: sustained list load for ${SUSTAIN_SECONDS} s, RSS sampled every second`);
    memory = await traceMemory(servers[0]!);
    log(
      `  RSS ${memory.rss_start_mb} → ${memory.rss_end_mb} MB over ${memory.requests} requests ` +
        `(second half: ${memory.slope_mb_per_min} MB/min)`,
    );
  } catch (error) {
    for (const server of servers) await server.server.stop().then(() => server.close());
    throw error;
  } finally {
    await Promise.all(ceilings.map((c) => c.stop()));
    for (const server of servers) await server.server.stop();
  }
  for (const server of servers) {
    log(`\n${server.kind}: the store alone, without HTTP`);
    rows.push(...(await benchStoreAlone(server, (label) => p.step(label))));
    await server.close();
  }
  const scale = await benchScale((label) => p.step(label));
  p.done();

  const order = [
    'node:http',
    'bare Express',
    'server (sqlite)',
    'server (postgres)',
    'store alone (sqlite)',
    'store alone (postgres)',
  ];
  const rank = (r: ThroughputRow) =>
    (order.indexOf(r.target) + 1 || order.length + 1) * 10 + (r.operation === 'list' ? 0 : 1);
  rows.sort((a, b) => rank(a) - rank(b) || a.target.localeCompare(b.target));
  const cpus = os.cpus();
  const report: BenchReport = {
    kind: 'bench',
    started: started.toISOString(),
    machine: {
      cores: cpus.length,
      cpu: cpus[0]?.model.trim(),
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
      load_average: { before: loadBefore, after: os.loadavg()[0]! },
    },
    settings: {
      connections: CONNECTIONS,
      rounds: ROUNDS,
      duration_s: DURATION,
      warmup_s: WARMUP,
      agents: AGENTS,
      list_sessions: LIST_SESSIONS,
      claim_sessions: CLAIMS,
    },
    rows,
    scale,
    memory,
    postgres,
  };
  console.log(
    `\nAgentMC bench — ${report.machine.cores} cores (${report.machine.cpu}), Node ${process.version}, ` +
      `${CONNECTIONS} connections; each figure the median of ${ROUNDS} interleaved ${DURATION} s runs ` +
      `(min–max); load average ${loadBefore.toFixed(1)} before, ${report.machine.load_average.after.toFixed(1)} after\n`,
  );
  printTable(report);
  writeResults(runName('bench', started), 'latest', report, (file) => writeBenchHtml(file, report));
}

await main();
