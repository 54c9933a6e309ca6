import SqliteDatabase from 'better-sqlite3';
import { generateApiKey, type Database, type Store } from '@agentmc/server';
import type { Kysely } from 'kysely';

export interface BenchAgent {
  readonly id: number;
  readonly key: string;
}

/** One team with `count` agents, each with a key. */
export async function seedAgents(store: Store, count: number, now: number): Promise<BenchAgent[]> {
  const team = await store.identity.createTeam({ name: 'bench', now });
  const agents: BenchAgent[] = [];
  for (let i = 0; i < count; i++) {
    const agent = await store.identity.createAgent({
      teamId: team.id,
      name: `bench-agent-${i}`,
      now,
    });
    const key = generateApiKey();
    await store.identity.createApiKey({
      principal: { agentId: agent!.id },
      prefix: key.prefix,
      keyHash: key.hash,
      now,
    });
    agents.push({ id: agent!.id, key: key.key });
  }
  return agents;
}

/**
 * `count` requested sessions spread evenly over the agents, in multi-row inserts. Returns the new
 * ids per agent, in insertion order.
 */
export async function insertRequestedSessions(
  store: Store,
  db: Kysely<Database>,
  agents: readonly BenchAgent[],
  count: number,
  now: number,
): Promise<Map<number, number[]>> {
  const teamId = (await store.identity.findAgent(agents[0]!.id))!.team_id;
  const ids = new Map<number, number[]>(agents.map((a) => [a.id, []]));
  const CHUNK = 1_000;
  for (let start = 0; start < count; start += CHUNK) {
    const rows = [];
    for (let i = start; i < Math.min(count, start + CHUNK); i++) {
      rows.push({
        team_id: teamId,
        agent_id: agents[i % agents.length]!.id,
        requested_by_user_id: null,
        status: 'requested' as const,
        expires_at: now + 86_400,
        meta: JSON.stringify({ topic: 'bench', n: i }),
        created_at: now - (count - i),
        updated_at: now,
      });
    }
    const inserted = await db
      .insertInto('realtime_sessions')
      .values(rows)
      .returning(['id', 'agent_id'])
      .execute();
    for (const row of inserted) ids.get(row.agent_id)!.push(row.id);
  }
  return ids;
}

/**
 * Fills a migrated SQLite file with `count` sessions over the agents in one transaction: a
 * fifth still requested, the rest ended, as a long-lived database would hold them.
 */
export function fillSqlite(
  file: string,
  agents: readonly BenchAgent[],
  teamId: number,
  count: number,
  now: number,
): void {
  const db = new SqliteDatabase(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const insert = db.prepare(
    `insert into realtime_sessions (team_id, agent_id, requested_by_user_id, status, claimed_at, closed_at,
       expires_at, meta, created_at, updated_at) values (?, ?, null, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const meta = JSON.stringify({ topic: 'bench' });
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      // Every fifth round over the agents, so that each agent has its fifth requested. (`i % 5`
      // gave them to two agents of ten; the other eight listed empty pages, which is why this
      // list once looked faster than the same list on 10,000 sessions.)
      const requested = Math.floor(i / agents.length) % 5 === 0;
      const created = now - (count - i);
      insert.run(
        teamId,
        agents[i % agents.length]!.id,
        requested ? 'requested' : 'closed',
        requested ? null : created + 1,
        requested ? null : created + 60,
        now + 86_400,
        meta,
        created,
        created,
      );
    }
  })();
  db.close();
}
