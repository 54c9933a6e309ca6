import { createHash } from 'node:crypto';
import type { CompiledQuery, Compilable, Kysely } from 'kysely';
import type { Database } from './schema.js';

type Params = Record<string, number | string | null>;
type Kinds<P extends Params> = { readonly [K in keyof P]: 'number' | 'string' };

/**
 * The SQL of every query prepared here, with a name for it: PostgreSQL connections prepare
 * these once and then only bind values (see open-store.ts), instead of parsing and planning
 * the same text on every execution. Process-wide: the texts are the same for every store.
 */
export const PREPARED_STATEMENT_NAMES = new Map<string, string>();

/**
 * A hot query built and compiled once; each call only binds its values. Kysely otherwise builds
 * and compiles the SQL on every call, which for these small queries costs about as much as the
 * database takes to run them.
 *
 * It compiles the query with a unique stand-in value per parameter, then remembers at which
 * positions of the compiled parameters each stand-in landed; constants the builder wrote stay.
 *
 * @example
 * const byHash = prepareQuery(db, { hash: 'string' }, (p) =>
 *   db.selectFrom('api_keys').selectAll().where('key_hash', '=', p.hash));
 * const rows = await byHash.execute({ hash });
 */
export function prepareQuery<P extends Params, R>(
  db: Kysely<Database>,
  kinds: Kinds<P>,
  build: (params: P) => Compilable<R>,
): {
  /** Runs the query with these values, on `executor` (a transaction) or the database. */
  execute(params: P, executor?: Kysely<Database>): Promise<R[]>;
} {
  const names = Object.keys(kinds) as (keyof P)[];
  const standIns = new Map<unknown, keyof P>();
  const sample = {} as Record<keyof P, number | string>;
  names.forEach((name, i) => {
    // Values no caller sends: negative, far beyond any id or instant, or a NUL-led string.
    const value =
      kinds[name] === 'number' ? -(9_000_000_000_000 + i) : `\u0000param:${String(name)}`;
    sample[name] = value;
    standIns.set(value, name);
  });
  const compiled: CompiledQuery<R> = build(sample as P).compile();
  if (!PREPARED_STATEMENT_NAMES.has(compiled.sql)) {
    const digest = createHash('sha256').update(compiled.sql).digest('hex').slice(0, 20);
    PREPARED_STATEMENT_NAMES.set(compiled.sql, `agentmc_${digest}`);
  }
  const positions = compiled.parameters.map((value) => standIns.get(value));
  const missing = names.filter((n) => !positions.includes(n));
  if (missing.length > 0) {
    throw new Error(`prepareQuery: parameters never used by the query: ${missing.join(', ')}`);
  }
  return {
    async execute(params: P, executor: Kysely<Database> = db): Promise<R[]> {
      const parameters = positions.map((name, i) =>
        name === undefined ? compiled.parameters[i] : params[name],
      );
      const result = await executor.executeQuery<R>({ ...compiled, parameters });
      return result.rows;
    },
  };
}
