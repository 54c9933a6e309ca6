/** The stores the tests run against. */
export type StoreKind = 'sqlite' | 'postgres';

/** A database of its own for one test or one run: a SQLite file, or a PostgreSQL schema. */
export interface TestDatabase {
  readonly kind: StoreKind;
  readonly databaseUrl: string;
  /** The PostgreSQL schema, unique to this database. */
  readonly schema: string | undefined;
  /** Deletes it: the SQLite folder, or the PostgreSQL schema (closing its inspector first). */
  drop(): Promise<void>;
}
