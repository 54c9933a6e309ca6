import { afterAll, afterEach, beforeAll, beforeEach, onTestFinished } from 'vitest';
import type { Clock, ManualClock } from './clock.js';
import type { Principal, Team } from './fixtures.js';
import { apiOf, type Api } from './http.js';
import { startTestServer, type TestServer, type TestServerOptions } from './server.js';

/** What most tests start from: a server, one team, one of its people and one of its agents. */
export interface World<C extends Clock = Clock> {
  readonly server: TestServer;
  /** The server's clock. */
  readonly clock: C;
  /** Requests against the server's `/api/v1`. */
  readonly api: Api;
  readonly team: Team;
  /** A person of the team, with a key. */
  readonly user: Principal;
  /** An agent of the team, with a key. */
  readonly agent: Principal;
}

/**
 * A new team on a server, with a person and an agent, each with a key. Tests that need more
 * make it with `server.fixtures`.
 *
 * @example
 * const { team, user, agent } = await world(server);
 * const other = await server.fixtures.agent(team.id);
 */
export async function world(server: TestServer): Promise<World> {
  const team = await server.fixtures.team();
  return {
    server,
    clock: server.clock,
    api: apiOf(server.baseUrl),
    team,
    user: await server.fixtures.user(team.id),
    agent: await server.fixtures.agent(team.id),
  };
}

export interface Sharing {
  /**
   * One server for every test of the enclosing `describe` (or file), instead of one per test.
   * For tests that need no empty database: each still gets a world of its own on it.
   */
  readonly shared?: boolean;
}

/**
 * A test server for each test of the enclosing `describe` (or one for all of them, `shared`),
 * closed after it. Options may be a function, read when the server starts.
 *
 * @example
 * const server = useServer({ kind: 'postgres' }, { shared: true });
 * it('…', async () => { await fetch(`${server().baseUrl}/openapi.json`); });
 */
export function useServer(
  options: TestServerOptions | (() => TestServerOptions) = {},
  { shared = false }: Sharing = {},
): () => TestServer {
  let server: TestServer | undefined;
  const start = async () => {
    server = await startTestServer(typeof options === 'function' ? options() : options);
  };
  const stop = async () => {
    await server?.close();
    server = undefined;
  };
  if (shared) {
    beforeAll(start);
    afterAll(stop);
  } else {
    beforeEach(start);
    afterEach(stop);
  }
  return () => {
    if (!server) throw new Error('useServer: only inside a test');
    return server;
  };
}

function isManual(clock: Clock): clock is ManualClock {
  return 'set' in clock && typeof clock.set === 'function';
}

/**
 * A {@link world} for each test: on a server of its own, or on one the tests of the enclosing
 * `describe` share (`shared`). A manual clock is set back before each test to where it stood
 * when `useWorld` was called, so that every test starts at the same instant.
 *
 * @example
 * const world = useWorld({ kind, clock: manualClock(SEED_INSTANT) }, { shared: true });
 * it('…', async () => {
 *   const { api, agent, clock } = world();
 *   clock.advance(61);
 * });
 */
export function useWorld<C extends Clock = Clock>(
  options: TestServerOptions & { readonly clock?: C } = {},
  sharing: Sharing = {},
): () => World<C> {
  const server = useServer(options, sharing);
  const clock = options.clock;
  const start = clock?.();
  let current: World<C> | undefined;
  beforeEach(async () => {
    if (clock && isManual(clock)) clock.set(start!);
    current = (await world(server())) as World<C>;
  });
  afterEach(() => {
    current = undefined;
  });
  return () => {
    if (!current) throw new Error('useWorld: only inside a test');
    return current;
  };
}

/**
 * A test server started inside a test, closed once the test has finished (after its `afterEach`
 * hooks, so that what a test started against it stops first).
 *
 * @example
 * const server = await serverForTest({ kind, clock });
 */
export async function serverForTest(options: TestServerOptions = {}): Promise<TestServer> {
  const server = await startTestServer(options);
  try {
    onTestFinished(() => server.close());
  } catch (error) {
    await server.close();
    throw error;
  }
  return server;
}
