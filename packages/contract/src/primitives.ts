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

/** An integer in `min..max`, as a JSON number. */
function integer(min: number, max: number) {
  return z
    .number({ invalid_type_error: 'Must be an integer.', required_error: 'Is required.' })
    .int('Must be an integer.')
    .min(min, `Must be at least ${min}.`)
    .max(max, `Must be at most ${max}.`);
}

const DECIMAL_INTEGER = /^-?\d+$/;

/**
 * An integer that arrives as text, in a path or a query string. Only plain decimal digits count:
 * `1e1`, `0x10`, `1.0` and ` 5` are refused like `abc`. The client still types it as a number.
 */
function integerParam(inner: z.ZodNumber): z.ZodType<number, z.ZodTypeDef, number> {
  return z.preprocess(
    (value) => (typeof value === 'string' && DECIMAL_INTEGER.test(value) ? Number(value) : value),
    inner,
  ) as unknown as z.ZodType<number, z.ZodTypeDef, number>;
}

/** A positive integer identifier in a path parameter. */
export const Id = integerParam(integer(1, Number.MAX_SAFE_INTEGER));

/** A positive integer in a JSON body: no conversion from strings there. */
export const BodyId = integer(1, Number.MAX_SAFE_INTEGER);

/** An integer query parameter within bounds, with a default when absent. */
export function boundedInt(min: number, max: number, fallback: number) {
  return integerParam(integer(min, max)).default(fallback);
}

/** Free-form JSON object set by whoever requested a session. */
export const Meta = z.record(z.string(), z.unknown());
export type Meta = z.infer<typeof Meta>;
