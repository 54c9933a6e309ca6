import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestServer, type TestServer } from '@agentmc/server/testing';
import { afterEach } from 'vitest';

/** The 14 fields of a session, in the order SPEC.md and the seeds write them. */
export const SESSION_FIELDS = [
  'id',
  'team_id',
  'agent_id',
  'requested_by_user_id',
  'status',
  'claimed_at',
  'opened_at',
  'closed_at',
  'expires_at',
  'last_browser_heartbeat_at',
  'last_agent_heartbeat_at',
  'meta',
  'created_at',
  'updated_at',
];

/** `2026-02-22T17:21:00Z`: UTC, to the second, with a `Z`. */
export const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

export interface World {
  readonly server: TestServer;
  readonly team: { id: number };
  readonly agent: { id: number; key: string };
  readonly user: { id: number; key: string };
}

/**
 * A real server on a fresh SQLite database, with one team, one of its agents and one of its
 * people, closed after each test.
 */
export function useWorld(config: Parameters<typeof startTestServer>[0] = {}) {
  const opened: TestServer[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });
  return async (): Promise<World> => {
    const server = await startTestServer(config);
    opened.push(server);
    const team = await server.fixtures.team();
    const agent = await server.fixtures.agent(team.id);
    const user = await server.fixtures.user(team.id);
    return { server, team, agent, user };
  };
}

/**
 * A bare HTTP server standing in for whatever may sit between a client and the API (a proxy
 * answering 502, a hung upstream). It is not the API: the API is always the real server.
 */
export async function startStubServer(
  handler: http.RequestListener,
): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/api/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
