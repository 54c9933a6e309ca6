import {
  Agent,
  realtimeSessionHandler,
  type AgentLogger,
  type SessionHandler,
} from '@agentmc/agent';
import {
  AgentMCApi,
  chatSignal,
  connectPersonSession,
  readChatMessage,
  type RealtimeConnection,
} from '@agentmc/api';
import { generateApiKey, type Store } from '@agentmc/server';
import { log } from './common.js';
import { openRawRelay } from './relay-raw.js';
import { REALTIME_AGENTS as AGENTS, BURST, DISPATCH, RELAY, WINDOW } from './settings.js';
import { latency, type Latency } from './stats.js';

// The realtime measurements of `pnpm bench:realtime` against a running server: dispatch, and
// the relay with raw clients and through the SDKs (measureRelay times the bare relay too). How
// many of each comes from the environment, through settings.ts.

/** Round trips, or dispatches, before each run's measured ones. */
const WARMUP = 20;

const now = () => Math.floor(Date.now() / 1000);

export type BenchWorld = Awaited<ReturnType<typeof seed>>;

type KeyOwner = { agentId: number } | { userId: number };

/** A new API key for an agent or a person, straight in the store; returns the key itself. */
export async function createKey(store: Store, principal: KeyOwner, t: number): Promise<string> {
  const generated = generateApiKey();
  await store.identity.createApiKey({
    principal,
    prefix: generated.prefix,
    keyHash: generated.hash,
    now: t,
  });
  return generated.key;
}

/**
 * One team: a dispatch agent with `AGENTS` keys, an echo agent (the SDK's sample agent), a relay
 * agent (the raw client), and a person.
 */
export async function seed(store: Store) {
  const t = now();
  const key = (principal: KeyOwner) => createKey(store, principal, t);
  const team = await store.identity.createTeam({ name: 'bench-realtime', now: t });
  const dispatcher = (await store.identity.createAgent({
    teamId: team.id,
    name: 'dispatch',
    now: t,
  }))!;
  const echo = (await store.identity.createAgent({ teamId: team.id, name: 'echo', now: t }))!;
  const relay = (await store.identity.createAgent({ teamId: team.id, name: 'relay', now: t }))!;
  const user = (await store.identity.createUser({ teamId: team.id, name: 'person', now: t }))!;
  const dispatchKeys: string[] = [];
  for (let i = 0; i < AGENTS; i++) dispatchKeys.push(await key({ agentId: dispatcher.id }));
  return {
    dispatcher: { id: dispatcher.id, keys: dispatchKeys },
    echo: { id: echo.id, key: await key({ agentId: echo.id }) },
    relay: { id: relay.id, key: await key({ agentId: relay.id }) },
    userKey: await key({ userId: user.id }),
  };
}

/** Counts watches up and claims lost (409s after another agent won); says nothing else. */
function countingLogger(counts: { lost: number; watching: number }): AgentLogger {
  return {
    debug: (event) => {
      if (event === 'session.lost') counts.lost += 1;
    },
    info: (event) => {
      if (event === 'watch.ready') counts.watching += 1;
    },
    warn: (event, fields) => log(`  agent warning: ${event} ${JSON.stringify(fields ?? {})}`),
    error: (event, fields) => log(`  agent error: ${event} ${JSON.stringify(fields ?? {})}`),
  };
}

export async function benchDispatch(baseUrl: string, world: BenchWorld) {
  const person = new AgentMCApi({ apiKey: world.userKey, baseUrl });
  const claimedAt = new Map<number, { at: number; by: number }>();
  const waiting = new Map<number, () => void>();
  const counts = { lost: 0, watching: 0 };
  const agents = world.dispatcher.keys.map((apiKey, index) => {
    const handler: SessionHandler = {
      onClaimed(session) {
        claimedAt.set(session.id, { at: performance.now(), by: index });
        waiting.get(session.id)?.();
      },
    };
    return new Agent({
      api: new AgentMCApi({ apiKey, baseUrl }),
      logger: countingLogger(counts),
      handler,
    });
  });
  for (const agent of agents) void agent.start();
  while (counts.watching < AGENTS) await new Promise((resolve) => setTimeout(resolve, 10));

  const claimed = (id: number) =>
    new Promise<{ at: number; by: number }>((resolve) => {
      const done = () => resolve(claimedAt.get(id)!);
      if (claimedAt.has(id)) return done();
      waiting.set(id, done);
    });
  const samples: number[] = [];
  const answered: number[] = [];
  const winners: Record<string, number> = {};
  let lostBefore = 0;
  for (let i = 0; i < WARMUP + DISPATCH; i++) {
    if (i === WARMUP) lostBefore = counts.lost;
    const sent = performance.now();
    const created = await person.operations.createRealtimeSession({
      body: { agent_id: world.dispatcher.id },
    });
    const createdAt = performance.now();
    if (created.status !== 201) throw new Error(`request failed: ${created.status}`);
    const claim = await claimed(created.data.data.id);
    if (i < WARMUP) continue;
    samples.push(claim.at - sent);
    answered.push(createdAt - sent);
    winners[`agent ${claim.by}`] = (winners[`agent ${claim.by}`] ?? 0) + 1;
  }
  // Let the last losers' 409s arrive before counting them.
  await new Promise((resolve) => setTimeout(resolve, 200));
  const lost = counts.lost - lostBefore;
  await Promise.all(agents.map((agent) => agent.stop()));
  return { ...latency(samples), request_answered: latency(answered), lost_claims: lost, winners };
}

/** One relay run: round trips one at a time, then a window of them in flight. */
export interface RelayRun {
  readonly latency: Latency;
  /** Round trips one at a time: completed over the seconds they took. */
  readonly round_trips_per_s: number;
  /** `WINDOW` round trips in flight until `BURST` are back: messages over seconds. */
  readonly messages_per_s: number;
}

/**
 * Times `RELAY` round trips one after another (after `WARMUP`), then `BURST` more with
 * `WINDOW` in flight at a time. `roundTrip` resolves with one round trip's milliseconds.
 */
export async function measureRelay(roundTrip: () => Promise<number>): Promise<RelayRun> {
  for (let i = 0; i < WARMUP; i++) await roundTrip();
  const samples: number[] = [];
  const started = performance.now();
  for (let i = 0; i < RELAY; i++) samples.push(await roundTrip());
  const seconds = (performance.now() - started) / 1000;

  let issued = 0;
  const burstStarted = performance.now();
  await Promise.all(
    Array.from({ length: WINDOW }, async () => {
      while (issued < BURST) {
        issued += 1;
        await roundTrip();
      }
    }),
  );
  const burstSeconds = (performance.now() - burstStarted) / 1000;
  return {
    latency: latency(samples),
    round_trips_per_s: Math.round(RELAY / seconds),
    messages_per_s: Math.round(BURST / burstSeconds),
  };
}

/**
 * The relay on the real server with raw `ws` clients: each side gets its ticket over HTTP (the
 * person's request, the agent's claim), then the same clients as on the bare relay.
 */
export async function benchRawRelay(baseUrl: string, world: BenchWorld): Promise<RelayRun> {
  const person = new AgentMCApi({ apiKey: world.userKey, baseUrl });
  const agent = new AgentMCApi({ apiKey: world.relay.key, baseUrl });
  const created = await person.operations.createRealtimeSession({
    body: { agent_id: world.relay.id },
  });
  if (created.status !== 201) throw new Error(`request failed: ${created.status}`);
  const session = { params: { path: { session: created.data.data.id } } };
  const claimed = await agent.operations.claimAgentRealtimeSession({ ...session, body: {} });
  if (claimed.status !== 200) throw new Error(`claim failed: ${claimed.status}`);
  const ticket = claimed.data.data.socket;
  if (!ticket) throw new Error('the claim carried no socket ticket');
  const relay = await openRawRelay({ agent: ticket.url, person: created.data.data.socket.url });
  try {
    return await measureRelay(() => relay.roundTrip());
  } finally {
    relay.close();
    await person.operations.closeRealtimeSession({ ...session, body: {} });
  }
}

/**
 * The relay through the SDKs: the person's `connectPersonSession` and the sample agent (echo
 * chat, which streams a delta per word before its `chat.agent.done`).
 */
export async function benchRelay(baseUrl: string, world: BenchWorld): Promise<RelayRun> {
  const person = new AgentMCApi({ apiKey: world.userKey, baseUrl });
  const agent = new Agent({
    api: new AgentMCApi({ apiKey: world.echo.key, baseUrl }),
    logger: countingLogger({ lost: 0, watching: 0 }),
    handler: realtimeSessionHandler(),
  });
  void agent.start();
  const created = await person.operations.createRealtimeSession({
    body: { agent_id: world.echo.id },
  });
  if (created.status !== 201) throw new Error(`request failed: ${created.status}`);
  const connection: RealtimeConnection = connectPersonSession(person, created.data.data);
  try {
    await connection.next('session', { match: (s) => s.status === 'active' });
    const replies = new Map<string, () => void>();
    connection.on('signal', (signal) => {
      const message = readChatMessage(signal);
      if (signal.sender !== 'agent' || message?.type !== 'chat.agent.done') return;
      replies.get(message.request_id ?? '')?.();
    });
    let n = 0;
    return await measureRelay(async () => {
      const requestId = `r-${++n}`;
      const answered = new Promise<void>((resolve) => replies.set(requestId, resolve));
      const started = performance.now();
      const sent = connection.send(chatSignal('chat.user', `ping ${n}`, { requestId }));
      await Promise.all([answered, sent]);
      replies.delete(requestId);
      return performance.now() - started;
    });
  } finally {
    await connection.close();
    await agent.stop();
  }
}
