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

/**
 * How deeply JSON may nest where the API keeps it (`meta`, signal payloads): `{}` is one level,
 * `{"a": []}` two. Deeper JSON is refused with 422 before anything walks it recursively.
 */
export const JSON_MAX_DEPTH = 32;

// A UTF-16 high surrogate not followed by a low one, or a low one without a high one before it.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Why a string cannot be stored exactly on both stores, or undefined when it can. PostgreSQL
 * refuses NUL in text and turns a lone surrogate into U+FFFD, so that `"\ud800"` and
 * `"\udc00"` would become the same key: both are refused everywhere instead, on SQLite too.
 */
export function unstorableText(text: string): string | undefined {
  if (text.includes('\u0000')) return 'Must not contain NUL characters (\\u0000).';
  if (LONE_SURROGATE.test(text))
    return 'Must be valid Unicode (no lone surrogate \\ud800-\\udfff).';
  return undefined;
}

/** A string schema that also refuses what {@link unstorableText} refuses. */
export function storableText(schema: z.ZodString): z.ZodEffects<z.ZodString, string, string> {
  return schema.superRefine((text, ctx) => {
    const problem = unstorableText(text);
    if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
  });
}

/**
 * Adds an issue for the first place where a JSON value nests deeper than
 * {@link JSON_MAX_DEPTH} or holds a string (key or value) that {@link unstorableText} refuses.
 * Walks without recursion, so even a value nested thousands deep is refused, never a crash.
 * Returns whether the value is fine.
 */
export function checkStorableJson(value: unknown, ctx: z.RefinementCtx): boolean {
  const stack: { value: unknown; path: (string | number)[]; depth: number }[] = [
    { value, path: [], depth: 1 },
  ];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (typeof item.value === 'string') {
      const problem = unstorableText(item.value);
      if (problem) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem, path: item.path });
        return false;
      }
      continue;
    }
    if (typeof item.value !== 'object' || item.value === null) continue;
    if (item.depth > JSON_MAX_DEPTH) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `Must nest at most ${JSON_MAX_DEPTH} levels deep.`,
        path: item.path.slice(0, 1),
      });
      return false;
    }
    for (const [key, child] of Object.entries(item.value)) {
      const problem = unstorableText(key);
      if (problem) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: `Keys: ${problem}`,
          path: item.path,
        });
        return false;
      }
      const path = Array.isArray(item.value) ? Number(key) : key;
      stack.push({ value: child, path: [...item.path, path], depth: item.depth + 1 });
    }
  }
  return true;
}

/**
 * Free-form JSON object set by whoever requested a session: at most {@link JSON_MAX_DEPTH}
 * levels deep, its text storable exactly.
 */
export const Meta = z.record(z.string(), z.unknown()).superRefine((meta, ctx) => {
  checkStorableJson(meta, ctx);
});
export type Meta = z.infer<typeof Meta>;
