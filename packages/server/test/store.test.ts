import fs from 'node:fs';
import path from 'node:path';
import { CompiledQuery, sql, type KyselyPlugin } from 'kysely';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  PG_TEST_URL,
  SEED_INSTANT,
  fixtures,
  storeKinds,
  tempSqliteUrl,
  testDatabase,
  type StoreKind,
  type TestDatabase,
} from '@agentmc/testkit';
import { hashApiKey } from '../src/domain/api-keys.js';
import { KyselyStore } from '../src/store/kysely-store.js';
import { openStore } from '../src/store/open-store.js';

/**
 * The same store over the same connection, recording every statement it sends, so that a test
 * can say how many statements an operation takes and what they are.
 */
function recording(store: KyselyStore) {
  const statements: CompiledQuery[] = [];
  const executor = store.db.getExecutor();
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
  return { store: new KyselyStore(store.db.withPlugin(recorder), store.dialect), statements };
}

/** The plan the database chooses for a statement, as text. */
async function planOf(store: KyselyStore, statement: CompiledQuery): Promise<string> {
  if (store.dialect === 'sqlite') {
    const plan = await store.db.executeQuery<{ detail: string }>(
      CompiledQuery.raw(`explain query plan ${statement.sql}`, [...statement.parameters]),
    );
    return plan.rows.map((r) => r.detail).join('\n');
  }
  // On a table this small a sequential scan is cheapest; forbid it to see whether an index fits.
  return store.db.transaction().execute(async (trx) => {
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
  let store: KyselyStore;
  beforeEach(async () => {
    database = testDatabase(kind);
    store = await open(database);
  });
  afterEach(async () => {
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
      store.db
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

  it('claims with one statement: a conditional UPDATE … RETURNING', async () => {
    const { team, agent, session } = await requestedSession();
    const { store: recorded, statements } = recording(store);

    const outcome = await recorded.claimSession({
      sessionId: session.id,
      teamId: team.id,
      agentId: agent.id,
      now: SEED_INSTANT + 1,
      claimKey: null,
    });

    expect(outcome.kind).toBe('claimed');
    expect(statements.map((s) => s.sql)).toEqual([
      expect.stringMatching(/^update "realtime_sessions" set .* where .*"status" = .*returning/is),
    ]);
  });

  it('decides a lost claim by that same UPDATE; what follows only reads', async () => {
    const { team, agent, session } = await requestedSession();
    const claim = { sessionId: session.id, teamId: team.id, agentId: agent.id, claimKey: null };
    await store.claimSession({ ...claim, now: SEED_INSTANT + 1 });
    const { store: recorded, statements } = recording(store);

    const outcome = await recorded.claimSession({ ...claim, now: SEED_INSTANT + 2 });

    expect(outcome.kind).toBe('not_claimable');
    const [first, ...rest] = statements.map((s) => s.sql);
    expect(first).toMatch(/^update "realtime_sessions"/);
    for (const statement of rest) expect(statement).toMatch(/^select /);
  });

  it('marks an expired session with one conditional UPDATE that only touches a requested one', async () => {
    const { team, agent, session } = await requestedSession();
    const { store: recorded, statements } = recording(store);

    const outcome = await recorded.claimSession({
      sessionId: session.id,
      teamId: team.id,
      agentId: agent.id,
      now: SEED_INSTANT + 600,
      claimKey: null,
    });

    expect(outcome).toMatchObject({ kind: 'expired', session: { status: 'expired' } });
    const updates = statements.map((s) => s.sql).filter((s) => s.startsWith('update'));
    expect(updates).toHaveLength(2);
    expect(updates[1]).toMatch(
      /set "status" = .* where .*"status" = .*"expires_at" <= .*returning/is,
    );
  });

  it('creates a session with one statement that inserts only for an agent of the team', async () => {
    const { team, agent } = await requestedSession();
    const other = await store.createTeam({ name: 'other', now: SEED_INSTANT });
    const { store: recorded, statements } = recording(store);
    const input = {
      agentId: agent.id,
      requestedByUserId: null,
      meta: null,
      expiresAt: SEED_INSTANT + 600,
      now: SEED_INSTANT,
    };

    expect(await recorded.createSession({ ...input, teamId: team.id })).toMatchObject({
      agent_id: agent.id,
      status: 'requested',
    });
    expect(await recorded.createSession({ ...input, teamId: other.id })).toBeUndefined();
    expect(statements.map((s) => s.sql)).toEqual([
      expect.stringMatching(/^insert into "realtime_sessions" .*select .* from "agents"/is),
      expect.stringMatching(/^insert into "realtime_sessions" .*select .* from "agents"/is),
    ]);
  });

  it('answers the agent’s list from the requested-sessions index, already in order', async () => {
    const { agent } = await requestedSession();
    const { store: recorded, statements } = recording(store);

    await recorded.listRequestedSessions({ agentId: agent.id, now: SEED_INSTANT, limit: 20 });

    expect(statements).toHaveLength(1);
    const plan = await planOf(store, statements[0]!);
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

    expect(await store.findPrincipalByKeyHash(hashApiKey(agent.key))).toEqual({
      keyId: agent.keyId,
      teamId: team.id,
      agentId: agent.id,
      userId: null,
      agentDisabled: false,
    });
    await store.revokeApiKey({ keyId: agent.keyId, now: SEED_INSTANT });
    expect(await store.findPrincipalByKeyHash(hashApiKey(agent.key))).toBeUndefined();
  });
});

describe('the SQLite store', () => {
  it('creates the database file and its folders on first open, in WAL mode with a busy timeout', async () => {
    const root = path.dirname(tempSqliteUrl('agentmc-folders'));
    const file = path.join(root, 'a', 'b', 'agentmc.sqlite');
    try {
      const store = await openStore({ databaseUrl: file });
      try {
        expect(fs.existsSync(file)).toBe(true);
        const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(store.db);
        expect(mode.rows[0]?.journal_mode).toBe('wal');
        const timeout = await sql<{ timeout: number }>`pragma busy_timeout`.execute(store.db);
        expect(timeout.rows[0]?.timeout).toBeGreaterThan(0);
      } finally {
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
