import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { closeInspector } from './inspect.js';
import { dropping } from './schema-lock.js';
import type { StoreKind, TestDatabase } from './test-database.js';

export type { StoreKind, TestDatabase } from './test-database.js';

/** The PostgreSQL server tests use; each test database lives in a schema of its own. */
export const PG_TEST_URL = process.env.PG_TEST_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let postgresProbe: Promise<boolean> | undefined;

/** Whether {@link PG_TEST_URL} answers. Asked once per process. */
export function postgresAvailable(): Promise<boolean> {
  postgresProbe ??= (async () => {
    const client = new pg.Client({ connectionString: PG_TEST_URL, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.query('select 1');
      await dropOrphanSchemas(client);
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return postgresProbe;
}

/** Whether a process of this machine is still running (a test run that made a schema). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Test schemas are named `t_<pid>_<random>` and dropped when their test ends; a run that was
 * killed leaves its own behind. Those whose process is gone are dropped here, once per run.
 */
async function dropOrphanSchemas(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ name: string }>(
    String.raw`select nspname as name from pg_namespace where nspname ~ '^t_\d+_[0-9a-f]+$'`,
  );
  const orphans = rows
    .map((r) => r.name)
    .filter((name) => !processAlive(Number(name.split('_')[1])));
  if (orphans.length === 0) return;
  await dropping(PG_TEST_URL, async (locked) => {
    for (const name of orphans) {
      await locked.query(`drop schema if exists "${name}" cascade`).catch(() => undefined);
    }
  });
}

let skipNoticePrinted = false;

/**
 * The stores a suite runs against: SQLite always, PostgreSQL when it answers. In CI
 * (`CI=true`) an unreachable PostgreSQL is a failure, never a silent skip.
 *
 * @example
 * describe.each(await storeKinds())('claim (%s)', (kind) => { ... });
 */
export async function storeKinds(): Promise<StoreKind[]> {
  if (await postgresAvailable()) return ['sqlite', 'postgres'];
  if (process.env.CI === 'true') {
    throw new Error(`PostgreSQL is not reachable at ${PG_TEST_URL}, and CI=true requires it.`);
  }
  if (!skipNoticePrinted) {
    skipNoticePrinted = true;
    console.warn(
      `PostgreSQL not reachable at ${PG_TEST_URL}: skipping the PostgreSQL runs (set PG_TEST_URL).`,
    );
  }
  return ['sqlite'];
}

/** A new, empty database of a kind, that no other test or run shares. */
export function testDatabase(kind: StoreKind): TestDatabase {
  if (kind === 'sqlite') {
    const databaseUrl = tempSqliteUrl();
    const database: TestDatabase = {
      kind,
      databaseUrl,
      schema: undefined,
      async drop() {
        await closeInspector(database);
        fs.rmSync(path.dirname(databaseUrl), { recursive: true, force: true });
      },
    };
    return database;
  }
  const schema = `t_${process.pid}_${randomBytes(6).toString('hex')}`;
  const database: TestDatabase = {
    kind,
    databaseUrl: PG_TEST_URL,
    schema,
    async drop() {
      await closeInspector(database);
      await dropping(PG_TEST_URL, (client) =>
        client.query(`drop schema if exists "${schema}" cascade`),
      );
    },
  };
  return database;
}

/** A fresh SQLite file in its own temporary folder. */
export function tempSqliteUrl(label = 'agentmc'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${label}-`));
  return path.join(dir, 'test.sqlite');
}
