/**
 * `pnpm bench:realtime`: the realtime path on a spawned real server (SQLite, and PostgreSQL when
 * it answers), beside its ceiling: a bare `ws` relay in its own process (relay-ceiling-server.ts).
 *
 * - relay: a person sends `chat.user` signal frames; the agent answers each with the
 *   `chat.agent.done` signal frame; the person times until the answer is back. Raw `ws` clients,
 *   the same on the bare relay and on the server (where each side gets its ticket over HTTP):
 *   round trips one at a time, then messages a second with a window in flight. The server's
 *   round trips a second over the bare relay's, per round. The same through the SDKs (the
 *   person's connection and the sample agent) as an extra row.
 * - dispatch: a person requests a session; 10 sample agents (keys of one agent) hold watch
 *   sockets and claim it from the push, which reaches one of them first and the others only
 *   after the server's dispatch grace (`REALTIME_DISPATCH_GRACE_MS`, by default 250 ms). Latency
 *   from the request being sent to the winning claim's answer, over a hundred sessions one after
 *   another; losing claims (409) count those that came too late.
 *
 * Every measure runs `BENCH_RUNS` times, the bare relay and the servers interleaved round by
 * round so that the machine's drift hits them alike; each figure is the median of the runs,
 * with their min–max.
 *
 * With `--soak` (or BENCH_SOAK=1), instead: the soak and the mass reconnect of soak.ts, on one
 * server (SQLite, or BENCH_SOAK_STORE=postgres).
 *
 * Prints the tables and writes them as JSON and as a self-contained HTML page under
 * bench/results/.
 */
import os from 'node:os';
import { postgresAvailable, spawnServer, type StoreKind } from '@agentmc/testkit/core';
import { log, logThrough, openDatabase } from './common.js';
import { figure } from './figures.js';
import { writeRealtimeHtml } from './html-report.js';
import { progress } from './progress.js';
import {
  benchDispatch,
  benchRawRelay,
  benchRelay,
  measureRelay,
  seed,
  type BenchWorld,
  type RelayRun,
} from './realtime-measures.js';
import { openRawRelay, startRelayCeiling } from './relay-raw.js';
import type { DispatchRow, Machine, RealtimeReport, RelayRow } from './report-shape.js';
import { runName, writeResults } from './results.js';
import {
  REALTIME_AGENTS as AGENTS,
  BURST,
  DISPATCH,
  RELAY,
  RUNS,
  SOAK,
  SOAK_INTERVAL_MS,
  SOAK_STORE,
  WINDOW,
} from './settings.js';
import { benchSoak, type SoakResult } from './soak.js';
import { table } from './stats.js';
import { dispatchTable, relayTable } from './tables.js';

/** What the realtime path must reach on this machine. */
const TARGETS = {
  /** The server's relay round trips a second, at least this share of the bare relay's. */
  relayRatio: 0.5,
  relayP99Ms: 5,
  dispatchP50Ms: 5,
  dispatchP99Ms: 20,
};

const CEILING = 'bare ws relay';

/** A spawned real server over a new database of one kind, seeded with the bench's team. */
async function startServer(kind: StoreKind) {
  const { store, env, close: closeStore } = await openDatabase(kind);
  let world: BenchWorld;
  let server: Awaited<ReturnType<typeof spawnServer>>;
  try {
    world = await seed(store);
    server = await spawnServer({
      ...env,
      // Limits are ceilings against runaway clients; a throughput run is one on purpose.
      RATE_LIMIT_PER_MINUTE: '0',
      REALTIME_SIGNALS_PER_MINUTE: '0',
    });
  } catch (error) {
    await closeStore();
    throw error;
  }
  return {
    kind,
    baseUrl: server.baseUrl,
    world,
    async stop() {
      await server.stop();
      await closeStore();
    },
  };
}

type DispatchRun = Awaited<ReturnType<typeof benchDispatch>>;

/** Every run of one relay target, in round order, and its ratios to the bare relay. */
interface RelayRuns {
  readonly target: string;
  readonly clients: RelayRow['clients'];
  readonly runs: RelayRun[];
  readonly ratios: number[];
}

function relayRow(r: RelayRuns): RelayRow {
  const of = (value: (run: RelayRun) => number) => figure(r.runs.map(value));
  const raw = r.clients === 'raw ws' && r.target !== CEILING;
  return {
    target: r.target,
    clients: r.clients,
    round_trips: RELAY,
    p50_ms: of((run) => run.latency.p50),
    p99_ms: of((run) => run.latency.p99),
    mean_ms: of((run) => run.latency.mean),
    round_trips_per_s: of((run) => run.round_trips_per_s),
    window: WINDOW,
    burst: BURST,
    messages_per_s: of((run) => run.messages_per_s),
    vs_ceiling: raw ? figure(r.ratios) : null,
    target_ratio: raw ? TARGETS.relayRatio : null,
    target_p99_ms: raw ? TARGETS.relayP99Ms : null,
  };
}

function dispatchRow(store: StoreKind, runs: readonly DispatchRun[]): DispatchRow {
  const of = (value: (run: DispatchRun) => number) => figure(runs.map(value));
  const winners: Record<string, number> = {};
  for (const run of runs) {
    for (const [agent, wins] of Object.entries(run.winners)) {
      winners[agent] = (winners[agent] ?? 0) + wins;
    }
  }
  return {
    store,
    agents: AGENTS,
    sessions: DISPATCH,
    p50_ms: of((run) => run.p50),
    p99_ms: of((run) => run.p99),
    mean_ms: of((run) => run.mean),
    request_answered_p50_ms: of((run) => run.request_answered.p50),
    lost_claims: runs.reduce((n, run) => n + run.lost_claims, 0),
    winners,
    target_p50_ms: TARGETS.dispatchP50Ms,
    target_p99_ms: TARGETS.dispatchP99Ms,
  };
}

function machine(loadBefore: number): Machine {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpu: cpus[0]?.model.trim(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    load_average: { before: loadBefore, after: os.loadavg()[0]! },
  };
}

/** Runs every round: the bare relay, then each server's raw relay, SDK relay and dispatch. */
async function measureAll(kinds: readonly StoreKind[]) {
  const p = progress(1 + kinds.length + RUNS * (1 + kinds.length * 3));
  logThrough((message) => p.log(message));
  const relays = new Map<string, RelayRuns>();
  const relayRuns = (target: string, clients: RelayRow['clients']) => {
    const existing = relays.get(target);
    if (existing) return existing;
    const created: RelayRuns = { target, clients, runs: [], ratios: [] };
    relays.set(target, created);
    return created;
  };
  const dispatches = new Map<StoreKind, DispatchRun[]>(kinds.map((kind) => [kind, []]));
  const ms = (n: number) => n.toFixed(2);
  const relayLine = (label: string, run: RelayRun) =>
    `  ${label}: p50 ${ms(run.latency.p50)} ms, p99 ${ms(run.latency.p99)} ms, ` +
    `${run.round_trips_per_s} round trips/s; ${run.messages_per_s} msg/s with ${WINDOW} in flight`;

  p.step('starting the bare relay');
  const ceiling = await startRelayCeiling();
  const servers: Awaited<ReturnType<typeof startServer>>[] = [];
  try {
    for (const kind of kinds) {
      p.step(`${kind}: seeding, starting the server`);
      servers.push(await startServer(kind));
    }
    for (let round = 1; round <= RUNS; round++) {
      const of = `round ${round}/${RUNS}`;
      p.step(`${of}: ${CEILING}`);
      const bare = await openRawRelay(ceiling.session());
      let base: RelayRun;
      try {
        base = await measureRelay(() => bare.roundTrip());
      } finally {
        bare.close();
      }
      relayRuns(CEILING, 'raw ws').runs.push(base);
      p.log(relayLine(`${of} ${CEILING}`, base));
      for (const server of servers) {
        const target = `server (${server.kind})`;
        p.step(`${of}: ${target} relay, raw ws`);
        const run = await benchRawRelay(server.baseUrl, server.world);
        const runs = relayRuns(target, 'raw ws');
        runs.runs.push(run);
        runs.ratios.push(run.round_trips_per_s / base.round_trips_per_s);
        p.log(relayLine(`${of} ${target}`, run));
      }
      for (const server of servers) {
        const target = `server (${server.kind}) through the SDKs`;
        p.step(`${of}: ${target}`);
        const run = await benchRelay(server.baseUrl, server.world);
        relayRuns(target, 'SDKs').runs.push(run);
        p.log(relayLine(`${of} ${target}`, run));
      }
      for (const server of servers) {
        p.step(`${of}: ${server.kind} dispatch, ${AGENTS} agents watching`);
        const run = await benchDispatch(server.baseUrl, server.world);
        dispatches.get(server.kind)!.push(run);
        p.log(`  ${of} ${server.kind} dispatch: p50 ${ms(run.p50)} ms, p99 ${ms(run.p99)} ms`);
      }
    }
  } finally {
    await ceiling.stop();
    for (const server of servers) await server.stop();
  }
  p.done();
  return {
    relay: [...relays.values()].map(relayRow),
    dispatch: kinds.map((kind) => dispatchRow(kind, dispatches.get(kind)!)),
  };
}

/** The two tables on stdout. */
function printTables(report: RealtimeReport) {
  const m = report.machine;
  console.log(
    `\nAgentMC realtime bench — ${m.cores} cores (${m.cpu}), Node ${m.node}; server, bare relay, ` +
      `agents and person share the machine; median (min–max) of ${RUNS} runs; ` +
      `load average ${m.load_average.before.toFixed(1)} before, ${m.load_average.after.toFixed(1)} after\n`,
  );
  console.log(
    `Relay person → agent → person: ${RELAY} round trips one at a time, then ${BURST} with ` +
      `${WINDOW} in flight; targets: ≥ ${TARGETS.relayRatio}× the bare relay's round trips/s, ` +
      `p99 ≤ ${TARGETS.relayP99Ms} ms\n`,
  );
  const relay = relayTable(report.relay);
  console.log(table(relay.header, relay.rows));
  console.log(
    `\nDispatch request → claim, ${DISPATCH} sessions a run, ${AGENTS} agents watching; targets: ` +
      `p50 ≤ ${TARGETS.dispatchP50Ms} ms, p99 ≤ ${TARGETS.dispatchP99Ms} ms\n`,
  );
  const dispatch = dispatchTable(report.dispatch);
  console.log(table(dispatch.header, dispatch.rows));
  for (const d of report.dispatch) {
    console.log(`\n${d.store}: wins per agent ${JSON.stringify(d.winners)}`);
  }
}

/** The soak and the mass reconnect on one server; prints them and writes them as JSON. */
async function soak() {
  const started = new Date();
  log(`\nsoak on ${SOAK_STORE}: seeding, starting the server`);
  // The server's own limits stay at their defaults: the load is spread over enough agents and
  // people to stay inside each principal's budgets.
  const { store, env, close } = await openDatabase(SOAK_STORE);
  let result: SoakResult;
  try {
    result = await benchSoak(store, env, await spawnServer(env));
  } finally {
    await close();
  }
  const cpus = os.cpus();
  const r = result;
  console.log(
    `\nAgentMC realtime soak — ${cpus.length} cores (${cpus[0]?.model.trim()}), Node ${process.version}; ` +
      `one server (${SOAK_STORE}), the clients in one process beside it; ` +
      `load average ${os
        .loadavg()
        .map((n) => n.toFixed(1))
        .join(' ')} at the end\n`,
  );
  const ms = (n: number) => n.toFixed(2);
  console.log(
    table(
      ['measure', 'figure'],
      [
        ['sessions (sockets)', `${r.sessions} (${r.sockets})`],
        ['spread over', `${r.principals.agents} agents, ${r.principals.users} people`],
        ['all sockets open in', `${r.opened_in_s} s`],
        [
          `messages (one per session every ${SOAK_INTERVAL_MS / 1000} s, ${r.seconds} s)`,
          `${r.messages.sent} (${r.messages.per_second}/s), ${r.messages.replied} replies timed`,
        ],
        [
          'relay person → agent → person p50 / p99 / max',
          `${ms(r.relay.p50)} / ${ms(r.relay.p99)} / ${ms(r.relay.max)} ms`,
        ],
        [
          'server RSS before sockets → with them',
          `${r.rss.before_mb} → ${r.rss.with_sockets_mb} MB`,
        ],
        ['RSS per socket', `${r.rss.per_socket_kb} KB`],
        ['errors during the soak', String(r.errors.soak)],
        [
          'mass reconnect: connections resumed, after the kill',
          `${r.reconnect.resumed} of ${r.sockets} in ${r.reconnect.all_resumed_s} s`,
        ],
        ['  of which after the new server answered', `${r.reconnect.after_server_up_s} s`],
        ['  messages sent meanwhile', String(r.reconnect.sent_meanwhile)],
        ['  lost / twice (replies and wire)', `${r.reconnect.lost} / ${r.reconnect.twice}`],
        ['errors during the reconnect', String(r.errors.reconnect)],
      ],
    ),
  );
  if (Object.keys(r.errors.details).length > 0) {
    console.log(`\nerrors: ${JSON.stringify(r.errors.details)}`);
  }
  const report = {
    started: started.toISOString(),
    machine: { cores: cpus.length, cpu: cpus[0]?.model.trim(), node: process.version },
    store: SOAK_STORE,
    load_average_at_end: os.loadavg(),
    soak: r,
  };
  writeResults(runName('soak', started), 'soak-latest', report);
}

async function main() {
  const started = new Date();
  const loadBefore = os.loadavg()[0]!;
  const postgres = (await postgresAvailable()) ? null : 'PostgreSQL did not answer';
  if (postgres) log('PostgreSQL not reachable: skipping its runs');
  const kinds: StoreKind[] = postgres ? ['sqlite'] : ['sqlite', 'postgres'];
  const { relay, dispatch } = await measureAll(kinds);
  const report: RealtimeReport = {
    kind: 'realtime',
    started: started.toISOString(),
    machine: machine(loadBefore),
    settings: {
      runs: RUNS,
      agents: AGENTS,
      dispatch: DISPATCH,
      relay: RELAY,
      burst: BURST,
      window: WINDOW,
    },
    relay,
    dispatch,
    postgres,
  };
  printTables(report);
  writeResults(runName('realtime', started), 'realtime-latest', report, (file) =>
    writeRealtimeHtml(file, report),
  );
}

await (SOAK ? soak() : main());
