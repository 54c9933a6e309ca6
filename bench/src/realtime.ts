/**
 * `pnpm bench:realtime`: the realtime path on a spawned real server (SQLite, and PostgreSQL when
 * it answers), driven by in-process sample agents and the person's client.
 *
 * - dispatch: a person requests a session; 10 sample agents (keys of one agent) hold watch
 *   sockets and claim it from the push, which reaches one of them first and the others only
 *   after the server's dispatch grace (`REALTIME_DISPATCH_GRACE_MS`, by default 250 ms). Latency
 *   from the request being sent to the winning claim's answer, over a few hundred sessions one
 *   after another; losing claims (409) count those that came too late.
 * - relay: a person sends `chat.user` on the session's websocket; the sample agent (echo chat)
 *   answers `chat.agent.done`; latency until the reply is back at the person, one at a time;
 *   then messages per second with a window of messages in flight.
 *
 * With `--soak` (or BENCH_SOAK=1), instead: the soak and the mass reconnect of soak.ts, on one
 * server (SQLite, or BENCH_SOAK_STORE=postgres).
 *
 * Prints a table and writes it as JSON under bench/results/.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore } from '@agentmc/server';
import {
  postgresAvailable,
  spawnServer,
  testDatabase,
  type StoreKind,
} from '@agentmc/testkit/core';
import { benchDispatch, benchRelay, seed } from './realtime-measures.js';
import {
  REALTIME_AGENTS as AGENTS,
  BURST,
  DISPATCH,
  RELAY,
  SOAK,
  SOAK_INTERVAL_MS,
  SOAK_STORE,
  WINDOW,
} from './settings.js';
import { benchSoak, type SoakResult } from './soak.js';
import { table, type Latency } from './stats.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const resultsDir = path.resolve(here, '../results');
const log = (message: string) => process.stderr.write(`${message}\n`);

interface Result {
  store: StoreKind;
  dispatch: Latency & {
    /** The person's request alone: sent → its 201, a part of the dispatch latency. */
    request_answered: Latency;
    lost_claims: number;
    winners: Record<string, number>;
  };
  relay: Latency;
  throughput: { messages: number; window: number; seconds: number; per_second: number };
}

async function benchStore(kind: StoreKind): Promise<Result> {
  log(`\n${kind}: seeding, starting the server`);
  const database = testDatabase(kind);
  const store = await openStore({
    databaseUrl: database.databaseUrl,
    ...(database.schema ? { schema: database.schema } : {}),
  });
  try {
    const world = await seed(store);
    const server = await spawnServer({
      DATABASE_URL: database.databaseUrl,
      ...(database.schema ? { DATABASE_SCHEMA: database.schema } : {}),
      // Limits are ceilings against runaway clients; a throughput run is one on purpose.
      RATE_LIMIT_PER_MINUTE: '0',
      REALTIME_SIGNALS_PER_MINUTE: '0',
      LOG_LEVEL: 'warn',
    });
    try {
      log(`  dispatch: ${DISPATCH} sessions, ${AGENTS} sample agents watching`);
      const dispatch = await benchDispatch(server.baseUrl, world);
      log(`  dispatch p50 ${dispatch.p50} ms, p99 ${dispatch.p99} ms`);
      log(`  relay: ${RELAY} round trips one at a time, then ${BURST} with ${WINDOW} in flight`);
      const { relay, throughput } = await benchRelay(server.baseUrl, world);
      log(`  relay p50 ${relay.p50} ms, p99 ${relay.p99} ms; ${throughput.per_second} msg/s`);
      return { store: kind, dispatch, relay, throughput };
    } finally {
      await server.stop();
    }
  } finally {
    await store.close();
    await database.drop();
  }
}

/** The soak and the mass reconnect on one server; prints them and writes them as JSON. */
async function soak() {
  const started = new Date();
  log(`\nsoak on ${SOAK_STORE}: seeding, starting the server`);
  const database = testDatabase(SOAK_STORE);
  const store = await openStore({
    databaseUrl: database.databaseUrl,
    ...(database.schema ? { schema: database.schema } : {}),
  });
  // The server's own limits stay at their defaults: the load is spread over enough agents and
  // people to stay inside each principal's budgets.
  const env = {
    DATABASE_URL: database.databaseUrl,
    ...(database.schema ? { DATABASE_SCHEMA: database.schema } : {}),
    LOG_LEVEL: 'warn',
  };
  let result: SoakResult;
  try {
    result = await benchSoak(store, env, await spawnServer(env));
  } finally {
    await store.close();
    await database.drop();
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
  write(`soak-${started.toISOString().replace(/[:.]/g, '-')}.json`, report, 'soak-latest.json');
}

function write(name: string, report: object, latest: string) {
  fs.mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, name);
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  fs.writeFileSync(path.join(resultsDir, latest), `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nwritten: ${path.relative(process.cwd(), file)}`);
}

async function main() {
  const started = new Date();
  const results: Result[] = [await benchStore('sqlite')];
  if (await postgresAvailable()) results.push(await benchStore('postgres'));
  else log('\nPostgreSQL not reachable: skipping its run');

  const cpus = os.cpus();
  console.log(
    `\nAgentMC realtime bench — ${cpus.length} cores (${cpus[0]?.model.trim()}), Node ${process.version}; ` +
      `server, agents and person share the machine\n`,
  );
  const ms = (n: number) => n.toFixed(2);
  const rows = results.flatMap((r) => [
    [
      r.store,
      `dispatch: request → claim (${AGENTS} agents watching)`,
      String(r.dispatch.n),
      ms(r.dispatch.p50),
      ms(r.dispatch.p99),
      ms(r.dispatch.mean),
      ms(r.dispatch.max),
      '',
    ],
    [
      r.store,
      '  of which: the request answered (201)',
      String(r.dispatch.request_answered.n),
      ms(r.dispatch.request_answered.p50),
      ms(r.dispatch.request_answered.p99),
      ms(r.dispatch.request_answered.mean),
      ms(r.dispatch.request_answered.max),
      '',
    ],
    [
      r.store,
      'relay: person → agent → person (one at a time)',
      String(r.relay.n),
      ms(r.relay.p50),
      ms(r.relay.p99),
      ms(r.relay.mean),
      ms(r.relay.max),
      '',
    ],
    [
      r.store,
      `relay throughput (${r.throughput.window} in flight)`,
      String(r.throughput.messages),
      '',
      '',
      '',
      '',
      `${r.throughput.per_second} msg/s`,
    ],
  ]);
  console.log(
    table(['store', 'measure', 'n', 'p50 ms', 'p99 ms', 'mean ms', 'max ms', 'rate'], rows),
  );
  for (const r of results) {
    console.log(
      `\n${r.store}: ${r.dispatch.lost_claims} losing claims (409) over ${r.dispatch.n} sessions; ` +
        `wins per agent ${JSON.stringify(r.dispatch.winners)}`,
    );
  }

  const report = {
    started: started.toISOString(),
    machine: { cores: cpus.length, cpu: cpus[0]?.model.trim(), node: process.version },
    settings: { agents: AGENTS, dispatch: DISPATCH, relay: RELAY, burst: BURST, window: WINDOW },
    results,
  };
  write(
    `realtime-${started.toISOString().replace(/[:.]/g, '-')}.json`,
    report,
    'realtime-latest.json',
  );
}

await (SOAK ? soak() : main());
