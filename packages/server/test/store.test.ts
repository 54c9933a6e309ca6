import fs from 'node:fs';
import path from 'node:path';
import { CompiledQuery, sql, type Kysely, type KyselyPlugin } from 'kysely';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashApiKey } from '../src/lib/api-keys.js';
import { KyselyStore } from '../src/store/kysely-store.js';
import { openStore } from '../src/store/open-store.js';
import type { SqlDialect } from '../src/store/migrations/index.js';
import type { Database } from '../src/store/schema.js';
import type { Store } from '../src/store/store.js';
import {
  PG_TEST_URL,
  SEED_INSTANT,
  closeInspector,
  fixtures,
  inspect,
  storeKinds,
  tempSqliteUrl,
  testDatabase,
  type StoreKind,
  type TestDatabase,
} from '@agentmc/testkit';

/**
 * A Kysely connection of the test's own on a test database (the store keeps its handle
 * private), typed with the store's own tables so that a second KyselyStore can run over it.
 */
function inspectDatabase(database: TestDatabase): Kysely<Database> {
  return inspect(database).query as unknown as Kysely<Database>;
}

/**
 * The same store over the same connection, recording every statement it sends, so that a test
 * can say how many statements an operation takes and what they are.
 */
function recording(db: Kysely<Database>, dialect: SqlDialect) {
  const statements: CompiledQuery[] = [];
  const executor = db.getExecutor();
  // Statements are compiled once (some when the store is built) and executed many times:
  // remember each compiled text by query id, and record it each time its result comes back.
  const compiled = new Map<unknown, CompiledQuery>();
  const recorder: KyselyPlugin = {
    transformQuery({ node, queryId }) {
      compiled.set(queryId, executor.compileQuery(node, queryId));
      return node;
    },
    transformResult: async ({ queryId, result }) => {
      const statement = compiled.get(queryId);
      if (statement) statements.push(statement);
      return result;
    },
  };
  return { store: new KyselyStore(db.withPlugin(recorder), dialect), statements };
}

/** The plan the database chooses for a statement, as text. */
async function planOf(
  db: Kysely<Database>,
  dialect: SqlDialect,
  statement: CompiledQuery,
): Promise<string> {
  if (dialect === 'sqlite') {
    const plan = await db.executeQuery<{ detail: string }>(
      CompiledQuery.raw(`explain query plan ${statement.sql}`, [...statement.parameters]),
    );
    return plan.rows.map((r) => r.detail).join('\n');
  }
  // On a table this small a sequential scan is cheapest; forbid it to see whether an index fits.
  return db.transaction().execute(async (trx) => {
    await sql`set local enable_seqscan = off`.execute(trx);
    const plan = await trx.executeQuery<{ 'QUERY PLAN': string }>(
      CompiledQuery.raw(`explain ${statement.sql}`, [...statement.parameters]),
    );
    return plan.rows.map((r) => r['QUERY PLAN']).join('\n');
  });
}

function open(database: TestDatabase) {
  return openStore({
    databaseUrl: database.databaseUrl,
    ...(database.schema ? { schema: database.schema } : {}),
  });
}

describe.each(await storeKinds())('the store (%s)', (kind: StoreKind) => {
  let database: TestDatabase;
  let store: Store;
  /** A connection of the test's own: the store keeps its Kysely handle private. */
  let db: Kysely<Database>;
  beforeEach(async () => {
    database = testDatabase(kind);
    store = await open(database);
    db = inspectDatabase(database);
  });
  afterEach(async () => {
    await closeInspector(database);
    await store.close();
    await database.drop();
  });

  /** A team, an agent, and a requested session for it, expiring in 600 s. */
  async function requestedSession() {
    const make = fixtures(store, () => SEED_INSTANT);
    const team = await make.team();
    const agent = await make.agent(team.id);
    const session = await make.session({ agentId: agent.id, now: SEED_INSTANT });
    return { team, agent, session };
  }

  it('applies the versioned migrations on open; opening again applies nothing twice', async () => {
    const applied = () =>
      db
        .selectFrom('kysely_migration' as never)
        .select(sql<string>`name`.as('name'))
        .orderBy(sql`name`)
        .execute();
    const before = (await applied()).map((r) => r.name);
    expect(before[0]).toBe('0001-initial');
    expect([...before].sort()).toEqual(before);

    const again = await open(database);
    await again.close();

    expect((await applied()).map((r) => r.name)).toEqual(before);
  });

  /** What a recording saw, less the transaction's own begin and commit. */
  const work = (statements: CompiledQuery[]) =>
    statements.map((s) => s.sql).filter((s) => !/^(begin|commit|rollback)\b/i.test(s));

  it('claims with one conditional UPDATE … RETURNING, and writes its status signal with it', async () => {
    const { team, agent, session } = await requestedSession();
    const { store: recorded, statements } = recording(db, kind);

    const outcome = await recorded.sessions.claim({
      sessionId: session.id,
      teamId: team.id,
      agentId: agent.id,
      now: SEED_INSTANT + 1,
      claimKey: null,
      reason: 'claimed',
    });

    expect(outcome).toMatchObject({
      kind: 'claimed',
      change: {
        session: { status: 'claimed' },
        signal: { sender: 'system', type: 'session.status', seq: 1 },
      },
    });
    expect(work(statements)).toEqual([
      expect.stringMatching(/^update "realtime_sessions" set .* where .*"status" = .*returning/is),
      expect.stringMatching(
        /^insert into "realtime_signals" .*select .* from "realtime_sessions"/is,
      ),
    ]);
  });

  it('commits the claim and its status signal together, or neither', async () => {
    const { team, agent, session } = await requestedSession();
    // The signal's INSERT fails inside the transaction: the claim's UPDATE must not stay.
    const failing: KyselyPlugin = {
      transformQuery({ node }) {
        if (node.kind === 'InsertQueryNode') throw new Error('the disk is full');
        return node;
      },
      transformResult: async ({ result }) => result,
    };
    const broken = new KyselyStore(db.withPlugin(failing), kind);

    await expect(
      broken.sessions.claim({
        sessionId: session.id,
        teamId: team.id,
        agentId: agent.id,
        now: SEED_INSTANT + 1,
        claimKey: null,
        reason: 'claimed',
      }),
    ).rejects.toThrow('the disk is full');

    expect(await store.sessions.find(session.id)).toMatchObject({ status: 'requested' });
    expect(await store.signals.list({ sessionId: session.id, afterId: 0, limit: 10 })).toEqual([]);
  });

  it('decides a lost claim by that same UPDATE; what follows only reads', async () => {
    const { team, agent, session } = await requestedSession();
    const claim = {
      sessionId: session.id,
      teamId: team.id,
      agentId: agent.id,
      claimKey: null,
      reason: 'claimed',
    };
    await store.sessions.claim({ ...claim, now: SEED_INSTANT + 1 });
    const { store: recorded, statements } = recording(db, kind);

    const outcome = await recorded.sessions.claim({ ...claim, now: SEED_INSTANT + 2 });

    expect(outcome).toMatchObject({ kind: 'lost', session: { status: 'claimed' } });
    const [first, ...rest] = work(statements);
    expect(first).toMatch(/^update "realtime_sessions"/);
    for (const statement of rest) expect(statement).toMatch(/^select /);
  });

  it('marks an expired session with one conditional UPDATE that only touches a requested one', async () => {
    const { session } = await requestedSession();
    const { store: recorded, statements } = recording(db, kind);
    const expire = {
      sessionId: session.id,
      from: ['requested'] as const,
      to: 'expired' as const,
      reason: 'request_expired',
    };

    expect(
      await recorded.sessions.transition({
        ...expire,
        now: SEED_INSTANT + 599,
        expiredBy: SEED_INSTANT + 599,
      }),
    ).toBeUndefined();
    const change = await recorded.sessions.transition({
      ...expire,
      now: SEED_INSTANT + 600,
      expiredBy: SEED_INSTANT + 600,
    });

    expect(change).toMatchObject({ session: { status: 'expired' }, signal: { seq: 1 } });
    const updates = work(statements).filter((s) => s.startsWith('update'));
    expect(updates).toHaveLength(2);
    expect(updates[1]).toMatch(
      /set "status" = .* where .*"status" in .*"expires_at" <= .*returning/is,
    );
  });

  it('creates a session with one statement that inserts only for an agent of the team', async () => {
    const { team, agent } = await requestedSession();
    const other = await store.identity.createTeam({ name: 'other', now: SEED_INSTANT });
    const { store: recorded, statements } = recording(db, kind);
    const input = {
      agentId: agent.id,
      requestedByUserId: null,
      meta: null,
      expiresAt: SEED_INSTANT + 600,
      now: SEED_INSTANT,
    };

    expect(await recorded.sessions.create({ ...input, teamId: team.id })).toMatchObject({
      agent_id: agent.id,
      status: 'requested',
    });
    expect(await recorded.sessions.create({ ...input, teamId: other.id })).toBeUndefined();
    expect(statements.map((s) => s.sql)).toEqual([
      expect.stringMatching(/^insert into "realtime_sessions" .*select .* from "agents"/is),
      expect.stringMatching(/^insert into "realtime_sessions" .*select .* from "agents"/is),
    ]);
  });

  it('answers the agent’s list from the requested-sessions index, already in order', async () => {
    const { agent } = await requestedSession();
    const { store: recorded, statements } = recording(db, kind);

    await recorded.sessions.listRequested({ agentId: agent.id, now: SEED_INSTANT, limit: 20 });

    expect(statements).toHaveLength(1);
    const plan = await planOf(db, kind, statements[0]!);
    if (kind === 'sqlite') {
      expect(plan).toMatch(/USING INDEX realtime_sessions_requested_idx/);
      expect(plan).not.toMatch(/TEMP B-TREE/);
    } else {
      expect(plan).toMatch(/Index Scan using realtime_sessions_requested_idx/);
      expect(plan).not.toMatch(/Sort/);
    }
  });

  it('finds a key’s principal by its hash, and forgets it once revoked', async () => {
    const make = fixtures(store, () => SEED_INSTANT);
    const team = await make.team();
    const agent = await make.agent(team.id);

    expect(await store.identity.findPrincipalByKeyHash(hashApiKey(agent.key))).toEqual({
      keyId: agent.keyId,
      keyPrefix: agent.key.slice(0, 12),
      teamId: team.id,
      agentId: agent.id,
      userId: null,
      agentDisabled: false,
    });
    await store.identity.revokeApiKey({ keyId: agent.keyId, now: SEED_INSTANT });
    expect(await store.identity.findPrincipalByKeyHash(hashApiKey(agent.key))).toBeUndefined();
  });
});

describe('the SQLite store', () => {
  it('creates the database file and its folders on first open, in WAL mode with a busy timeout', async () => {
    const root = path.dirname(tempSqliteUrl('agentmc-folders'));
    const file = path.join(root, 'a', 'b', 'agentmc.sqlite');
    try {
      const store = await openStore({ databaseUrl: file });
      // WAL is a property of the file, seen by any connection. The busy timeout shows in
      // behaviour: while another connection holds the write lock, a write waits for it rather
      // than failing at once (better-sqlite3 waits synchronously, so here it waits in vain).
      const sqlite: TestDatabase = {
        kind: 'sqlite',
        databaseUrl: file,
        schema: undefined,
        drop: () => Promise.resolve(),
      };
      const db = inspectDatabase(sqlite);
      try {
        expect(fs.existsSync(file)).toBe(true);
        const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(db);
        expect(mode.rows[0]?.journal_mode).toBe('wal');
        await sql`begin immediate`.execute(db);
        const started = performance.now();
        await expect(store.identity.createTeam({ name: 'waits', now: 1 })).rejects.toThrow(
          'The database is unavailable',
        );
        expect(performance.now() - started).toBeGreaterThan(1_000);
        await sql`commit`.execute(db);
      } finally {
        await closeInspector(sqlite);
        await store.close();
      }
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe.runIf((await storeKinds()).includes('postgres'))('the PostgreSQL store', () => {
  it('opens and migrates while other schemas of the database are being dropped', async () => {
    // Test servers drop their schema on close while others start; tenants come and go.
    const admin = new pg.Pool({ connectionString: PG_TEST_URL, max: 2 });
    const others = Array.from({ length: 30 }, (_, i) => `drop_${process.pid}_${i}`);
    try {
      for (const name of others) {
        await admin.query(`create schema "${name}"; create table "${name}".t (a int, b text)`);
      }
      let dropping = true;
      const dropper = (async () => {
        for (const name of others) await admin.query(`drop schema "${name}" cascade`);
        dropping = false;
      })();
      let opened = 0;
      while (dropping || opened === 0) {
        const database = testDatabase('postgres');
        try {
          await (await open(database)).close();
          opened++;
        } finally {
          await database.drop();
        }
      }
      await dropper;
      expect(opened).toBeGreaterThan(0);
    } finally {
      for (const name of others) await admin.query(`drop schema if exists "${name}" cascade`);
      await admin.end();
    }
  });
});
