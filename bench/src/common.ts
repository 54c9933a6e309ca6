/**
 * What every part of `pnpm bench` shares: its fixed settings (those the environment can change
 * are in settings.ts), its log, and the measured run.
 */
import { openStore, type Database } from '@agentmc/server';
import type { Kysely } from 'kysely';
import { inspect, testDatabase, type StoreKind } from '@agentmc/testkit/core';
import type { BenchAgent } from './seed.js';

/** Seconds of load each target gets before its first measured run. */
export const WARMUP = 2;
export const AGENTS = 100;
export const LIST_SESSIONS = 10_000;
export const SCALES = [1_000, 100_000, 1_000_000];
/** Few enough agents that even 1,000 sessions give each a full page of 20 requested ones. */
export const SCALE_AGENTS = 10;

export const now = () => Math.floor(Date.now() / 1000);

let sink: (message: string) => void = (message) => {
  process.stderr.write(`${message}\n`);
};

/** Progress goes to stderr (or the progress display); the table alone goes to stdout. */
export function log(message: string) {
  sink(message);
}

/** Sends the log through the progress display, so that its lines do not garble the bar. */
export function logThrough(write: (message: string) => void) {
  sink = write;
}

/** Cycles through agents so that every request is a different agent's list. */
export function listRequests(agents: readonly BenchAgent[]) {
  let i = 0;
  return () => {
    const agent = agents[i++ % agents.length]!;
    return {
      path: '/api/v1/agents/realtime/sessions/requested?limit=20',
      headers: { 'x-api-key': agent.key },
    };
  };
}

/**
 * Each request claims the next distinct session with its agent's key. Past the end of the queue
 * it starts again, and those claims lose with 409: the run counts them as a failed run.
 */
export function claimRequests(queue: readonly { id: number; key: string }[]) {
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

export function claimQueue(agents: readonly BenchAgent[], ids: Map<number, number[]>) {
  const queue: { id: number; key: string }[] = [];
  const perAgent = agents.map((a) => ({ key: a.key, ids: ids.get(a.id) ?? [] }));
  const total = perAgent.reduce((n, a) => n + a.ids.length, 0);
  for (let round = 0; queue.length < total; round++) {
    for (const a of perAgent)
      if (round < a.ids.length) queue.push({ id: a.ids[round]!, key: a.key });
  }
  return queue;
}

/**
 * A new database of a kind, the store over it, and the environment a server process over it
 * needs, its limits at their defaults. `close` closes the store and drops the database.
 */
export async function openDatabase(kind: StoreKind) {
  const database = testDatabase(kind);
  const store = await openStore({
    databaseUrl: database.databaseUrl,
    ...(database.schema ? { schema: database.schema } : {}),
  });
  const env: Record<string, string> = {
    DATABASE_URL: database.databaseUrl,
    ...(database.schema ? { DATABASE_SCHEMA: database.schema } : {}),
    LOG_LEVEL: 'warn',
  };
  const close = async () => {
    await store.close();
    await database.drop();
  };
  return { database, store, env, close };
}

/**
 * {@link openDatabase} with the per-key rate limit off (a load run is a runaway client on
 * purpose), and a raw connection for bulk seeding (the store keeps its own private).
 */
export async function openFor(kind: StoreKind) {
  const { database, store, env } = await openDatabase(kind);
  // The inspector's tables are the store's own, written out by the testkit: the same shape.
  const db = inspect(database).query as unknown as Kysely<Database>;
  return { database, store, db, env: { ...env, RATE_LIMIT_PER_MINUTE: '0' } };
}
