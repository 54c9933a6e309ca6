/** List latency as the stored sessions grow (SQLite). */
import { closeInspector, spawnServer } from '@agentmc/testkit/core';
import {
  SCALES,
  SCALE_AGENTS,
  log,
  measured,
  now,
  openFor,
  listRequests,
  timed,
} from './common.js';
import { load } from './load.js';
import { fillSqlite, seedAgents } from './seed.js';
import { CONNECTIONS } from './settings.js';

export interface ScalePoint {
  sessions: number;
  generate_ms: number;
  rps: number;
  p50_ms: number;
  p99_ms: number;
}

/** List p99 over growing stored data (SQLite): it stays flat when the index serves it. */
export async function benchScale(): Promise<ScalePoint[]> {
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
        const r = await measured(`list @ ${count}`, (phase) =>
          load({
            url: server.origin,
            connections: CONNECTIONS,
            ...timed(phase),
            next: listRequests(agents),
          }),
        );
        scale.push({
          sessions: count,
          generate_ms: fillMs,
          rps: r.rps,
          p50_ms: r.p50,
          p99_ms: r.p99,
        });
      } finally {
        await server.stop();
      }
    } finally {
      await database.drop();
    }
  }
  return scale;
}
