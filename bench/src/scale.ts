/** List latency as the stored sessions grow (SQLite). */
import { closeInspector, spawnServer } from '@agentmc/testkit/core';
import { SCALES, SCALE_AGENTS, WARMUP, log, now, openFor, listRequests } from './common.js';
import { load, type LoadResult } from './load.js';
import type { ScalePoint } from './report-shape.js';
import { figuresOf } from './rounds.js';
import { fillSqlite, seedAgents } from './seed.js';
import { CONNECTIONS, DURATION, ROUNDS } from './settings.js';

/** List p99 over growing stored data (SQLite): it stays flat when the index serves it. */
export async function benchScale(step: (label: string) => void): Promise<ScalePoint[]> {
  const scale: ScalePoint[] = [];
  for (const count of SCALES) {
    log(`\nscale: ${count.toLocaleString('en')} stored sessions (SQLite)`);
    const { database, store, env } = await openFor('sqlite');
    try {
      const agents = await seedAgents(store, SCALE_AGENTS, now());
      const teamId = (await store.identity.findAgent(agents[0]!.id))!.team_id;
      await closeInspector(database);
      await store.close();
      const started = performance.now();
      fillSqlite(database.databaseUrl, agents, teamId, count, now());
      const fillMs = Math.round(performance.now() - started);
      log(`  generated in ${fillMs} ms`);
      const server = await spawnServer(env);
      try {
        const run = (duration: number) =>
          load({
            url: server.origin,
            connections: CONNECTIONS,
            duration,
            next: listRequests(agents),
          });
        step(`list @ ${count.toLocaleString('en')} sessions: warm-up`);
        await run(WARMUP);
        const runs: LoadResult[] = [];
        for (let round = 0; round < ROUNDS; round++) {
          step(`list @ ${count.toLocaleString('en')} sessions: run ${round + 1}/${ROUNDS}`);
          runs.push(await run(DURATION));
        }
        scale.push({ sessions: count, generate_ms: fillMs, ...figuresOf(runs) });
      } finally {
        await server.stop();
      }
    } finally {
      await database.drop();
    }
  }
  return scale;
}
