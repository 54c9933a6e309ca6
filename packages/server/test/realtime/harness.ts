import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AgentRealtimeSessionWithSocket, RealtimeSignal } from '@agentmc/contract';
import {
  PG_TEST_URL,
  TestSocket,
  apiOf,
  send,
  startTestServer,
  type ManualClock,
  type Principal,
  type Reply,
  type Sharing,
  type StoreKind,
  type Team,
  type TestServer,
  type World as TestWorld,
} from '@agentmc/testkit';
import pg from 'pg';
import { expect } from 'vitest';
import type { AppConfig } from '../../src/app.js';
import { channelFor, LISTENER_APPLICATION_NAME } from '../../src/events/pg-bus.js';
import { useWorld as useServerWorld, withQuietSweeper } from '../helpers.js';

/** Where every test clock starts: `2026-02-22T17:21:00Z`. */
export { SEED_INSTANT as T0 } from '@agentmc/testkit';

type Call = (method: 'GET' | 'POST', path: string, json?: unknown) => Promise<Reply>;

export interface World extends TestWorld<ManualClock> {
  /** Calls as the person. */
  readonly person: Call;
  /** Calls as the agent. */
  readonly bot: Call;
}

/** The world of a server, with calls as its person and as its agent. */
export function worldOn(
  server: TestServer,
  clock: ManualClock,
  ids: { team: Team; user: Principal; agent: Principal },
): World {
  const as =
    (key: string): Call =>
    (method, path, json) =>
      send(`${server.baseUrl}${path}`, method, { key, json });
  return {
    server,
    clock,
    api: apiOf(server.baseUrl),
    team: ids.team,
    user: ids.user,
    agent: ids.agent,
    person: as(ids.user.key),
    bot: as(ids.agent.key),
  };
}

/**
 * For every test, a team, a person and an agent on a server of its own (or, `shared`, one for
 * the whole describe) over a database of `kind`, with a manual clock at `T0` when the test
 * starts. The sweeper's timer is effectively off: tests call `server.sweep()` after moving the
 * clock.
 */
export function useWorld(kind: StoreKind, config: Partial<AppConfig> = {}, sharing?: Sharing) {
  const world = useServerWorld(kind, config, sharing);
  return (): World => {
    const w = world();
    return worldOn(w.server, w.clock, w);
  };
}

/** A second replica over the same database, sharing the clock. */
export function replicaOf(server: TestServer, clock: ManualClock, config: Partial<AppConfig> = {}) {
  return startTestServer({
    database: server.database,
    clock,
    config: withQuietSweeper(config),
  });
}

/** The person requests a session with the agent; returns it with its socket. */
export async function request(w: World, json: Record<string, unknown> = {}) {
  const reply = await w.person('POST', '/realtime/sessions', { agent_id: w.agent.id, ...json });
  expect(reply.status).toBe(201);
  return reply.body.data as AgentRealtimeSessionWithSocket;
}

/** The agent claims a session; returns it with its socket. */
export async function claim(w: World, sessionId: number) {
  const reply = await w.bot('POST', `/agents/realtime/sessions/${sessionId}/claim`, {});
  expect(reply.status).toBe(200);
  return reply.body.data as AgentRealtimeSessionWithSocket;
}

/** Person requests, agent claims, both connect, see `ready` and start their streams live. */
export async function connected(w: World) {
  const requested = await request(w);
  const claimed = await claim(w, requested.id);
  const browser = await TestSocket.open(requested.socket.url);
  await browser.ready();
  const agent = await TestSocket.open(claimed.socket.url);
  await agent.ready();
  return { id: requested.id, requested, claimed, browser, agent };
}

/** The seqs of a list of signals, for "nothing lost, nothing doubled" checks. */
export function seqs(signals: RealtimeSignal[]): number[] {
  return signals.map((s) => s.seq);
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** The built admin CLI, run the way `pnpm admin` runs it. */
const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/** Runs the admin CLI against a database; resolves with its exit code and output once it exits. */
export function admin(
  database: { databaseUrl: string; schema: string | undefined },
  args: string[],
) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: database.databaseUrl,
    LOG_LEVEL: 'warn',
  };
  delete env.DATABASE_SCHEMA;
  if (database.schema) env.DATABASE_SCHEMA = database.schema;
  const startedAt = performance.now();
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise<{
    code: number | null;
    stdout: string;
    stderr: string;
    startedAt: number;
    exitedAt: number;
  }>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) =>
      resolve({ code, stdout, stderr, startedAt, exitedAt: performance.now() }),
    );
  });
}

/**
 * The replicas' PostgreSQL listening connections for one test schema, seen from an admin
 * connection: cut them (as a PostgreSQL restart or a network blip would) and count them.
 */
export async function pgListeners(schema: string | undefined) {
  const admin = new pg.Client({ connectionString: PG_TEST_URL });
  await admin.connect();
  const listeners = [LISTENER_APPLICATION_NAME, `listen "${channelFor(schema)}"`];
  return {
    /** Terminates every listening connection; returns how many there were. */
    async terminate(): Promise<number> {
      const cut = await admin.query(
        `select pg_terminate_backend(pid) from pg_stat_activity
          where application_name = $1 and query = $2`,
        listeners,
      );
      return cut.rowCount ?? 0;
    },
    /** How many listening connections there are now. */
    async count(): Promise<number> {
      const { rows } = await admin.query<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity
          where application_name = $1 and query = $2`,
        listeners,
      );
      return rows[0]!.n;
    },
    end: () => admin.end(),
  };
}
