import { IdempotencyKey } from '@agentmc/contract';
import type { z } from 'zod';
import { invalid, type Invalid } from '../errors/failures.js';
import { fieldsOf } from '../errors/validation.js';

export type ParsedFrame<T> =
  | { readonly ok: true; readonly frame: T }
  | {
      readonly ok: false;
      readonly failure: Invalid;
      /** The idempotency key of a refused signal frame, so the sender knows which one. */
      readonly idempotencyKey?: string;
    };

/**
 * Reads one inbound text frame with the contract's schema. A frame that is not JSON, or not one
 * the schema allows, becomes the same `validation.failed` failure an HTTP request would get.
 */
export function parseFrame<S extends z.ZodTypeAny>(
  schema: S,
  text: string,
): ParsedFrame<z.output<S>> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, failure: invalid({ frame: ['Must be valid JSON.'] }, 'Malformed frame.') };
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    const key = keyOf(json);
    return {
      ok: false,
      failure: invalid(fieldsOf(result.error, 'frame')),
      ...(key !== undefined ? { idempotencyKey: key } : {}),
    };
  }
  return { ok: true, frame: result.data as z.output<S> };
}

/** The idempotency key a signal frame names, if it names a plausible one; for its refusal. */
export function idempotencyKeyOf(text: string): string | undefined {
  try {
    return keyOf(JSON.parse(text));
  } catch {
    return undefined;
  }
}

function keyOf(json: unknown): string | undefined {
  const key = (json as { signal?: { idempotency_key?: unknown } } | null)?.signal?.idempotency_key;
  return IdempotencyKey.safeParse(key).success ? (key as string) : undefined;
}
