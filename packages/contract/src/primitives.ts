import { z } from 'zod';

/**
 * A UTC instant to the second, written exactly like the API's examples: `2026-02-22T17:21:00Z`.
 */
export const Timestamp = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/,
    'Must be a UTC timestamp like 2026-02-22T17:21:00Z.',
  );
export type Timestamp = z.infer<typeof Timestamp>;

/**
 * A positive integer identifier. Accepts the string form too, because path and query parameters
 * arrive as text; the client still types it as a number.
 */
export const Id = z.coerce
  .number({ invalid_type_error: 'Must be an integer.' })
  .int('Must be an integer.')
  .min(1, 'Must be at least 1.')
  .max(Number.MAX_SAFE_INTEGER, `Must be at most ${Number.MAX_SAFE_INTEGER}.`);

/** A positive integer in a JSON body: no coercion from strings there. */
export const BodyId = z
  .number({ invalid_type_error: 'Must be an integer.', required_error: 'Is required.' })
  .int('Must be an integer.')
  .min(1, 'Must be at least 1.')
  .max(Number.MAX_SAFE_INTEGER, `Must be at most ${Number.MAX_SAFE_INTEGER}.`);

/** An integer query parameter within bounds, with a default when absent. */
export function boundedInt(min: number, max: number, fallback: number) {
  return z.coerce
    .number({ invalid_type_error: 'Must be an integer.' })
    .int('Must be an integer.')
    .min(min, `Must be at least ${min}.`)
    .max(max, `Must be at most ${max}.`)
    .default(fallback);
}

/** Free-form JSON object set by whoever requested a session. */
export const Meta = z.record(z.string(), z.unknown());
export type Meta = z.infer<typeof Meta>;
