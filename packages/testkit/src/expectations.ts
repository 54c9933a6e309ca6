import { ErrorEnvelope } from '@agentmc/contract';
import { expect } from 'vitest';
import { TIMESTAMP } from './clock.js';
import type { Reply } from './http.js';
import { SESSION_FIELDS } from './session-fields.js';

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
