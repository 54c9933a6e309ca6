import {
  fixtures,
  inspect,
  openMigrated,
  spawnServer,
  storeKinds,
  testDatabase,
  type ServerProcess,
  type TestDatabase,
} from '@agentmc/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../src/index.js';

const SESSIONS = 1_000;
const CLAIMERS = 8;

/**
 * One claimer: lists from its replica, claims what it saw in random order, until the list is
 * empty. Returns the ids it won.
 */
async function claimer(
  baseUrl: string,
  key: string,
): Promise<{ won: number[]; conflicts: number }> {
  const won: number[] = [];
  let conflicts = 0;
  const headers = { 'X-Api-Key': key, 'Content-Type': 'application/json' };
  for (;;) {
    const list = await fetch(`${baseUrl}/agents/realtime/sessions/requested?limit=100`, {
      headers,
    });
    expect(list.status).toBe(200);
    const { data } = (await list.json()) as { data: { id: number }[] };
    if (data.length === 0) return { won, conflicts };
    const ids = data.map((s) => s.id).sort(() => Math.random() - 0.5);
    for (const id of ids) {
      const res = await fetch(`${baseUrl}/agents/realtime/sessions/${id}/claim`, {
        method: 'POST',
        headers,
        body: '{}',
      });
      if (res.status === 200) won.push(id);
      else if (res.status === 409) conflicts++;
      else throw new Error(`claim ${id}: unexpected ${res.status} ${await res.text()}`);
    }
  }
}

// The stores' runs share nothing, so they run side by side: each is mostly waiting on its own
// two server processes.
describe.concurrent.each(await storeKinds())('several replicas over one database (%s)', (kind) => {
  let database: TestDatabase;
  let store: Store;
  let replicas: ServerProcess[] = [];

  beforeAll(async () => {
    database = testDatabase(kind);
    const env = {
      DATABASE_URL: database.databaseUrl,
      ...(database.schema ? { DATABASE_SCHEMA: database.schema } : {}),
      RATE_LIMIT_PER_MINUTE: '0',
      LOG_LEVEL: 'warn',
      // No sweeps: on a busy machine the claims can take longer than the connect timeout, and
      // the sweeper would then fail claimed sessions whose agent (here, nobody) never connected.
      REALTIME_SWEEP_INTERVAL_SECONDS: '3600',
    };
    // Both replicas start together: their migrations race, and must both succeed.
    replicas = await Promise.all([spawnServer(env), spawnServer(env)]);
    store = await openMigrated(database.databaseUrl, () =>
      openStore({
        databaseUrl: database.databaseUrl,
        ...(database.schema ? { schema: database.schema } : {}),
      }),
    );
  }, 60_000);

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await store?.close();
    await database?.drop();
  });

  it(`${SESSIONS} requested sessions, ${CLAIMERS} claimers over two replicas: each claimed exactly once`, async () => {
    const f = fixtures(store);
    const team = await f.team();
    const agent = await f.agent(team.id);
    const keys = [agent.key];
    for (let i = 1; i < CLAIMERS; i++) keys.push((await f.agentKey(agent.id)).key);
    const insertStarted = performance.now();
    // Ten writers at a time: the seed is not what is being tested.
    for (let i = 0; i < SESSIONS; i += 10) {
      await Promise.all(Array.from({ length: 10 }, () => f.session({ agentId: agent.id })));
    }
    const insertMs = performance.now() - insertStarted;

    const started = performance.now();
    const results = await Promise.all(
      keys.map((key, i) => claimer(replicas[i % replicas.length]!.baseUrl, key)),
    );
    const elapsedMs = performance.now() - started;

    const won = results.flatMap((r) => r.won);
    const distinct = new Set(won);
    const duplicates = won.length - distinct.size;
    const stored = await inspect(database)
      .query.selectFrom('realtime_sessions')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .where('agent_id', '=', agent.id)
      .groupBy('status')
      .execute();
    const claimedInDb = Number(stored.find((r) => r.status === 'claimed')?.n ?? 0);
    const lost = SESSIONS - distinct.size;

    console.log(
      `[${kind}] replicas=2 sessions=${SESSIONS} claimers=${CLAIMERS} claimed=${distinct.size} ` +
        `duplicates=${duplicates} lost=${lost} conflicts(409)=${results.reduce((n, r) => n + r.conflicts, 0)} ` +
        `claimed_in_db=${claimedInDb} seed=${Math.round(insertMs)}ms claim_time=${Math.round(elapsedMs)}ms ` +
        `(${Math.round((SESSIONS / elapsedMs) * 1000)} claims/s)`,
    );
    expect(duplicates).toBe(0);
    expect(lost).toBe(0);
    expect(claimedInDb).toBe(SESSIONS);
    expect(stored).toHaveLength(1);
  }, 120_000);
});
