import { ErrorEnvelope } from '@agentmc/contract';
import { afterEach, beforeEach, expect } from 'vitest';
import type { AppConfig } from '../src/app.js';
import {
  manualClock,
  startTestServer,
  type StoreKind,
  type TestServer,
} from '../src/testing/index.js';

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
] as const;

/** `2026-02-22T17:21:00Z`: UTC, to the second, with a `Z`. */
export const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** The instant the seeds' examples show; tests start their clocks there. */
export const SEED_INSTANT = Date.UTC(2026, 1, 22, 17, 21, 0) / 1000;

/** The API's timestamp for an instant in epoch seconds. */
export function iso(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export type ManualClock = ReturnType<typeof manualClock>;

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The parsed JSON body; undefined when the body is not JSON. */
  readonly body: any;
}

export interface RequestOptions {
  /** Sent as `X-Api-Key`. */
  readonly key?: string;
  /** Serialised as a JSON body with `Content-Type: application/json`. */
  readonly json?: unknown;
  /** A raw body, sent as is. */
  readonly body?: string;
  readonly headers?: Record<string, string>;
}

/** One real HTTP request with fetch; the reply with its body read. */
export async function send(
  url: string,
  method: string,
  options: RequestOptions = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key !== undefined) headers['X-Api-Key'] = options.key;
  let body: string | undefined = options.body;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['Content-Type'] ??= 'application/json';
  }
  const response = await fetch(url, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, text, body: parsed };
}

/** Requests against one server's `/api/v1`. */
export function apiOf(baseUrl: string) {
  return {
    get: (path: string, options?: RequestOptions) => send(`${baseUrl}${path}`, 'GET', options),
    post: (path: string, options?: RequestOptions) => send(`${baseUrl}${path}`, 'POST', options),
    send: (method: string, path: string, options?: RequestOptions) =>
      send(`${baseUrl}${path}`, method, options),
  };
}
export type Api = ReturnType<typeof apiOf>;

/**
 * Asserts that a reply is the error envelope with this status and code, sent as JSON (never
 * HTML), and returns its `error`.
 */
export function expectError(reply: Reply, status: number, code: string) {
  expect({ status: reply.status, body: reply.body }).toMatchObject({
    status,
    body: { error: { code } },
  });
  expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
  expect(reply.text).not.toMatch(/<html|<!DOCTYPE|<pre>/i);
  const envelope = ErrorEnvelope.strict().parse(reply.body);
  expect(envelope.error.message).not.toBe('');
  return envelope.error;
}

/** `details.fields` of a 422, asserting the reply is one. */
export function fieldErrors(reply: Reply): Record<string, string[]> {
  const error = expectError(reply, 422, 'validation.failed');
  const fields = (error.details as { fields?: Record<string, string[]> } | undefined)?.fields;
  expect(fields).toBeTypeOf('object');
  return fields!;
}

/** The 14 fields of a session, without what a response adds after them. */
export function sessionFields(session: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(SESSION_FIELDS.map((field) => [field, session[field]]));
}

/** Asserts the 14 fields, in order, with their types; returns the session. */
export function expectSessionShape(session: Record<string, unknown>, options: { exact: boolean }) {
  const keys = Object.keys(session);
  if (options.exact) expect(keys).toEqual([...SESSION_FIELDS]);
  else expect(keys.slice(0, SESSION_FIELDS.length)).toEqual([...SESSION_FIELDS]);
  for (const field of SESSION_FIELDS) {
    const value = session[field];
    if (field.endsWith('_at') && value !== null) expect(value, field).toMatch(TIMESTAMP);
  }
  return session;
}

export interface World {
  readonly server: TestServer;
  readonly api: Api;
  readonly clock: ManualClock;
  readonly team: { id: number };
  readonly user: { id: number; key: string; keyId: number };
  readonly agent: { id: number; key: string; keyId: number };
}

/**
 * A new server and database for every test of the enclosing describe, with a manual clock at
 * {@link SEED_INSTANT}, one team, one person and one agent with their keys.
 */
export function useWorld(kind: StoreKind, config?: Partial<AppConfig>) {
  let world: World | undefined;
  beforeEach(async () => {
    const clock = manualClock(SEED_INSTANT);
    const server = await startTestServer({ kind, clock, ...(config ? { config } : {}) });
    const team = await server.fixtures.team();
    world = {
      server,
      api: apiOf(server.baseUrl),
      clock,
      team,
      user: await server.fixtures.user(team.id),
      agent: await server.fixtures.agent(team.id),
    };
  });
  afterEach(async () => {
    await world?.server.close();
    world = undefined;
  });
  return (): World => {
    if (!world) throw new Error('useWorld: only inside a test');
    return world;
  };
}
