import fs from 'node:fs';
import os from 'node:os';
import {
  AgentMCApi,
  chatSignal,
  connectAgentSession,
  connectPersonSession,
  readChatMessage,
  type RealtimeConnection,
} from '@agentmc/api';
import type { Store } from '@agentmc/server';
import { spawnServer, type ServerProcess } from '@agentmc/testkit/core';
import WebSocket from 'ws';
import { log } from './common.js';
import { createKey } from './realtime-measures.js';
import { SOAK_INTERVAL_MS, SOAK_PRINCIPALS, SOAK_SECONDS, SOAK_SESSIONS } from './settings.js';
import { latency, type Latency } from './stats.js';

// The soak of `pnpm bench:realtime -- --soak`: SOAK_SESSIONS sessions (two sockets each, through
// @agentmc/api's realtime connections) spread over SOAK_PRINCIPALS agents and as many people,
// talking for SOAK_SECONDS on one server; then the server is killed and restarted on the same
// port, and every connection comes back with the client's own backoff and resumes.

const now = () => Math.floor(Date.now() / 1000);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface SoakResult {
  sessions: number;
  sockets: number;
  principals: { agents: number; users: number };
  seconds: number;
  opened_in_s: number;
  relay: Latency;
  messages: { sent: number; replied: number; per_second: number };
  rss: { before_mb: number; with_sockets_mb: number; per_socket_kb: number };
  errors: { soak: number; reconnect: number; details: Record<string, number> };
  reconnect: {
    /** Connections that said `ready` again (all of them, when the reconnect held). */
    resumed: number;
    /** From the kill until every connection said `ready` again (or the 180 s were up). */
    all_resumed_s: number;
    /** From the new server answering until every connection said `ready` again. */
    after_server_up_s: number;
    /** Messages sent while the server was away and during the reconnect. */
    sent_meanwhile: number;
    lost: number;
    twice: number;
  };
}

/** Keys for SOAK_PRINCIPALS agents and as many people of one team. */
async function seed(store: Store) {
  const t = now();
  const key = (principal: { agentId: number } | { userId: number }) =>
    createKey(store, principal, t);
  const team = await store.identity.createTeam({ name: 'bench-soak', now: t });
  const agents: { id: number; key: string }[] = [];
  const users: { key: string }[] = [];
  for (let i = 0; i < SOAK_PRINCIPALS; i++) {
    const agent = (await store.identity.createAgent({ teamId: team.id, name: `a${i}`, now: t }))!;
    agents.push({ id: agent.id, key: await key({ agentId: agent.id }) });
    const user = (await store.identity.createUser({ teamId: team.id, name: `u${i}`, now: t }))!;
    users.push({ key: await key({ userId: user.id }) });
  }
  return { agents, users };
}

/** The resident memory of a process, in MB (Linux). */
function rssMb(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 102.4) / 10;
}

/** Runs `task` over `items`, `width` at a time. */
async function inBatches<T, R>(
  items: T[],
  width: number,
  task: (item: T, i: number) => Promise<R>,
) {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += width) {
    results.push(...(await Promise.all(items.slice(i, i + width).map((it, j) => task(it, i + j)))));
  }
  return results;
}

/**
 * A `ws` WebSocket that notes the seq of every signal frame it receives, by session and side:
 * what went over the wire, before the client's own de-duplication.
 */
function wireCounter(wire: Map<string, number[]>, side: 'agent' | 'browser') {
  return class extends WebSocket {
    constructor(url: string) {
      super(url);
      const session = /\/sessions\/(\d+)\/socket/.exec(url)?.[1] ?? '?';
      const seqs = wire.get(`${session}:${side}`) ?? [];
      wire.set(`${session}:${side}`, seqs);
      this.on('message', (data: Buffer) => {
        const text = data.toString('utf8');
        if (!text.startsWith('{"type":"signal"')) return;
        seqs.push(Number(/"seq":(\d+)/.exec(text)?.[1]));
      });
    }
  };
}

interface Pair {
  id: number;
  person: RealtimeConnection;
  agent: RealtimeConnection;
}

export async function benchSoak(
  store: Store,
  env: Record<string, string>,
  first: ServerProcess,
): Promise<SoakResult> {
  let server = first;
  const baseUrl = server.baseUrl;
  const port = Number(new URL(server.origin).port);
  const errors: Record<string, number> = {};
  let phase: 'soak' | 'reconnect' | 'done' = 'soak';
  const phaseErrors = { soak: 0, reconnect: 0 };
  const error = (what: string) => {
    if (phase === 'done') return;
    errors[`${phase}: ${what}`] = (errors[`${phase}: ${what}`] ?? 0) + 1;
    phaseErrors[phase] += 1;
  };

  log(`  seeding ${SOAK_PRINCIPALS} agents and ${SOAK_PRINCIPALS} people`);
  const { agents, users } = await seed(store);
  const agentApis = agents.map((a) => new AgentMCApi({ apiKey: a.key, baseUrl }));
  const userApis = users.map((u) => new AgentMCApi({ apiKey: u.key, baseUrl }));

  log(`  requesting and claiming ${SOAK_SESSIONS} sessions`);
  const indexes = Array.from({ length: SOAK_SESSIONS }, (_, i) => i);
  const sessions = await inBatches(indexes, 50, async (i) => {
    const p = i % SOAK_PRINCIPALS;
    const created = await userApis[p]!.operations.createRealtimeSession({
      body: { agent_id: agents[p]!.id },
    });
    if (created.status !== 201) throw new Error(`request failed: ${created.status}`);
    const claimed = await agentApis[p]!.operations.claimAgentRealtimeSession({
      params: { path: { session: created.data.data.id } },
      body: {},
    });
    if (claimed.status !== 200) throw new Error(`claim failed: ${claimed.status}`);
    return { p, created: created.data.data, claimed: claimed.data.data };
  });

  const rssBefore = rssMb(server.child.pid);
  const wire = new Map<string, number[]>();
  const PersonSocket = wireCounter(wire, 'browser');
  const AgentSocket = wireCounter(wire, 'agent');
  const sentAt = new Map<string, number>();
  const replied = new Map<string, number>();
  const samples: number[] = [];
  let recording = true;

  log(`  opening ${SOAK_SESSIONS * 2} sockets (load average ${os.loadavg()[0]!.toFixed(1)})`);
  const openStarted = performance.now();
  const pairs: Pair[] = await inBatches(sessions, 100, async ({ p, created, claimed }) => {
    const agent = connectAgentSession(agentApis[p]!, claimed, { WebSocket: AgentSocket });
    const person = connectPersonSession(userApis[p]!, created, { WebSocket: PersonSocket });
    for (const connection of [agent, person]) {
      connection.on('error', (e) => error(`error event: ${e.message.slice(0, 60)}`));
      connection.on('close', (end) => error(`closed: ${end.reason}`));
    }
    // The agent answers every chat.user with chat.agent.done (idempotent per request id).
    agent.on('signal', (signal) => {
      const message = readChatMessage(signal);
      if (signal.sender !== 'browser' || message?.type !== 'chat.user') return;
      agent
        .send(chatSignal('chat.agent.done', 'ok', { requestId: message.request_id! }))
        .catch(() => error('agent send rejected'));
    });
    person.on('signal', (signal) => {
      const message = readChatMessage(signal);
      if (signal.sender !== 'agent' || message?.type !== 'chat.agent.done') return;
      const id = message.request_id!;
      replied.set(id, (replied.get(id) ?? 0) + 1);
      const started = sentAt.get(id);
      if (recording && started !== undefined) samples.push(performance.now() - started);
    });
    await Promise.all([
      agent.next('session', { match: (s) => s.status === 'active' }),
      person.next('ready'),
    ]);
    return { id: created.id, person, agent };
  });
  const openedIn = (performance.now() - openStarted) / 1000;
  log(
    `  ${pairs.length * 2} sockets open in ${openedIn.toFixed(1)} s; talking for ${SOAK_SECONDS} s`,
  );

  // Every person sends a message every SOAK_INTERVAL_MS, the first at a random moment in it.
  let talking = true;
  let sent = 0;
  const talkers = pairs.map(async (pair) => {
    await sleep(Math.random() * SOAK_INTERVAL_MS);
    for (let n = 0; talking; n++) {
      const requestId = `${pair.id}-${n}`;
      sentAt.set(requestId, performance.now());
      sent += 1;
      pair.person
        .send(chatSignal('chat.user', `m ${n}`, { requestId }))
        .catch(() => error('person send rejected'));
      await sleep(SOAK_INTERVAL_MS);
    }
  });
  pairs.forEach((pair) => {
    for (const c of [pair.person, pair.agent]) {
      c.on('reconnecting', () => {
        if (phase === 'soak') error('reconnecting');
      });
    }
  });

  await sleep(SOAK_SECONDS * 1000);
  recording = false;
  const rssWith = rssMb(server.child.pid);
  const sentInSoak = sent;
  const relay = latency(samples);
  log(
    `  soak: ${sentInSoak} messages, relay p50 ${relay.p50} ms p99 ${relay.p99} ms; ` +
      `server RSS ${rssBefore} → ${rssWith} MB`,
  );

  // The mass reconnect: the server dies with every socket open, and comes back on its port.
  phase = 'reconnect';
  const readies = pairs.flatMap((pair) => [pair.person, pair.agent]);
  const back = new Set<RealtimeConnection>();
  for (const c of readies) {
    c.on('ready', () => {
      if (phase === 'reconnect') back.add(c);
    });
  }
  log(
    `  killing the server (SIGKILL) with every socket open; restarting it on its port ` +
      `(load average ${os.loadavg()[0]!.toFixed(1)})`,
  );
  const killedAt = performance.now();
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGKILL');
  await exited;
  server = await spawnServer(env, { port });
  const upAt = performance.now();
  // Every connection should be back well within this; one that is not is reported.
  const giveUpAt = Date.now() + 180_000;
  let reportAt = Date.now() + 10_000;
  while (back.size < readies.length && Date.now() < giveUpAt) {
    await sleep(20);
    if (Date.now() > reportAt) {
      reportAt += 10_000;
      const states: Record<string, number> = {};
      for (const c of readies) if (!back.has(c)) states[c.state] = (states[c.state] ?? 0) + 1;
      log(
        `    ${back.size} resumed; the others: ${JSON.stringify(states)}; ${JSON.stringify(errors)}`,
      );
    }
  }
  const resumedAt = performance.now();
  const notBack = readies.length - back.size;
  if (notBack > 0) error(`${notBack} connections not back within 180 s`);
  log(
    `  ${back.size} of ${readies.length} connections resumed ${((resumedAt - killedAt) / 1000).toFixed(1)} s ` +
      `after the kill (${((resumedAt - upAt) / 1000).toFixed(1)} s after the server was back)`,
  );

  // A few more seconds of talk on the new server, then everything must be answered once.
  await sleep(5_000);
  talking = false;
  await Promise.all(talkers);
  const deadline = Date.now() + 60_000;
  while ([...sentAt.keys()].some((id) => !replied.has(id)) && Date.now() < deadline) {
    await sleep(100);
  }
  const lost = [...sentAt.keys()].filter((id) => !replied.has(id)).length;
  const repliedTwice = [...replied.values()].filter((n) => n > 1).length;

  // On the wire, each side of each session got every seq the store holds, once, in order.
  let wireLost = 0;
  let wireTwice = 0;
  for (const pair of pairs) {
    const stored = (await store.signals.last(pair.id))?.seq ?? 0;
    for (const side of ['agent', 'browser']) {
      const seqs = wire.get(`${pair.id}:${side}`) ?? [];
      const seen = new Set(seqs);
      wireTwice += seqs.length - seen.size;
      for (let seq = 1; seq <= stored; seq++) if (!seen.has(seq)) wireLost += 1;
      if (seqs.some((s, i) => i > 0 && s <= seqs[i - 1]!)) error('out of order on the wire');
    }
  }
  log(
    `  after the reconnect: ${lost} messages unanswered, ${repliedTwice} answered twice; ` +
      `on the wire ${wireLost} signals missing, ${wireTwice} twice`,
  );

  phase = 'done';
  await Promise.all(readies.map((c) => c.close()));
  await server.stop();
  return {
    sessions: pairs.length,
    sockets: pairs.length * 2,
    principals: { agents: agents.length, users: users.length },
    seconds: SOAK_SECONDS,
    opened_in_s: Math.round(openedIn * 10) / 10,
    relay,
    messages: {
      sent: sentInSoak,
      replied: samples.length,
      per_second: Math.round(sentInSoak / SOAK_SECONDS),
    },
    rss: {
      before_mb: rssBefore,
      with_sockets_mb: rssWith,
      per_socket_kb: Math.round(((rssWith - rssBefore) * 1024 * 10) / (pairs.length * 2)) / 10,
    },
    errors: { ...phaseErrors, details: errors },
    reconnect: {
      resumed: back.size,
      all_resumed_s: Math.round((resumedAt - killedAt) / 100) / 10,
      after_server_up_s: Math.round((resumedAt - upAt) / 100) / 10,
      sent_meanwhile: sent - sentInSoak,
      lost: lost + wireLost,
      twice: repliedTwice + wireTwice,
    },
  };
}
