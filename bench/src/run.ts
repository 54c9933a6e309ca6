/**
 * `pnpm bench`: the two agent operations on the real server (SQLite and PostgreSQL), beside their
 * ceilings measured in the same run on the same machine: raw node:http, bare Express 4 with
 * express.json(), and the store alone without HTTP. Prints a table and writes it as JSON under
 * bench/results/.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database, Store } from '@agentmc/server';
import type { Kysely } from 'kysely';
import { postgresAvailable, spawnServer, type StoreKind } from '@agentmc/testkit/core';
import { benchCeilings } from './ceilings.js';
import {
  AGENTS,
  CLAIM_WARMUP,
  LIST_SESSIONS,
  WARMUP,
  claimQueue,
  claimRequests,
  listRequests,
  log,
  measured,
  now,
  openFor,
  timed,
  type Row,
} from './common.js';
import { load } from './load.js';
import { summariseFile } from './profile.js';
import { printTable, type Memory } from './report.js';
import { benchScale } from './scale.js';
import { insertRequestedSessions, seedAgents, type BenchAgent } from './seed.js';
import { CLAIMS, CONNECTIONS, DURATION, PROFILE, SUSTAIN_SECONDS } from './settings.js';

const resultsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../results');

const rows: Row[] = [];
let memory: Memory | undefined;
let postgres: string | undefined;

function rssOf(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
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

/** The real server over one store: list and claim, the store alone, and (SQLite) memory. */
async function benchServer(kind: StoreKind, bodies: { list?: string; claim?: string }) {
  log(`\n${kind}: seeding ${AGENTS} agents, ${LIST_SESSIONS} sessions`);
  const { database, store, db, env } = await openFor(kind);
  try {
    const agents = await seedAgents(store, AGENTS, now());
    await insertRequestedSessions(store, db, agents, LIST_SESSIONS, now());
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
        memory = {
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
      const claimIds = await insertRequestedSessions(
        store,
        db,
        agents,
        CLAIM_WARMUP + CLAIMS,
        now(),
      );
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
        const one = (await insertRequestedSessions(store, db, agents.slice(0, 1), 1, now())).get(
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
            `\n${kind} server profile (list and claim runs): ${profile}\n${summariseFile(profile, 15)}`,
          );
        }
      } else fs.rmSync(profileDir, { recursive: true, force: true });
    }

    await benchStore(kind, store, db, agents);
  } finally {
    await store.close();
    await database.drop();
  }
}

async function benchStore(
  kind: StoreKind,
  store: Store,
  db: Kysely<Database>,
  agents: readonly BenchAgent[],
) {
  const t = now();
  const listOps = await opsPerSecond(
    (i) =>
      store.sessions.listRequested({ agentId: agents[i % agents.length]!.id, now: t, limit: 20 }),
    {},
  );
  const claimIds = await insertRequestedSessions(store, db, agents, CLAIMS, now());
  const all = [...claimIds.entries()].flatMap(([agentId, ids]) =>
    ids.map((id) => ({ agentId, id })),
  );
  const team = (await store.identity.findAgent(agents[0]!.id))!.team_id;
  const claimOps = await opsPerSecond(
    async (i) => {
      const target = all[i]!;
      const outcome = await store.sessions.claim({
        sessionId: target.id,
        teamId: team,
        agentId: target.agentId,
        now: t,
        claimKey: null,
        reason: 'claimed',
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

async function main() {
  const started = new Date();
  const bodies: { list?: string; claim?: string } = {};
  await benchServer('sqlite', bodies);
  if (await postgresAvailable()) await benchServer('postgres', bodies);
  else {
    log('\nPostgreSQL not reachable: skipping its runs');
    postgres = 'skipped: not reachable';
  }
  rows.push(...(await benchCeilings({ list: bodies.list!, claim: bodies.claim! })));
  const scale = await benchScale();

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
  printTable(rows, scale, memory);
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
    scale,
    ...(memory ? { memory } : {}),
    ...(postgres ? { postgres } : {}),
  };
  fs.mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `bench-${started.toISOString().replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  fs.writeFileSync(path.join(resultsDir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nwritten: ${path.relative(process.cwd(), file)}`);
}

await main();
