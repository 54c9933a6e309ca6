import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
// The checkpointer is a worker thread loaded from the built package: this test runs the build.
import { openStore } from '../dist/store/open-store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

async function writeSessions(backgroundCheckpointMs: number | undefined) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentmc-checkpoint-'));
  dirs.push(dir);
  const file = path.join(dir, 'db.sqlite');
  const store = await openStore({ databaseUrl: file, backgroundCheckpointMs });
  const now = 1_700_000_000;
  const team = await store.identity.createTeam({ name: 't', now });
  const agent = (await store.identity.createAgent({ teamId: team.id, name: 'a', now }))!;
  const before = fs.statSync(file).size;
  for (let i = 0; i < 150; i++) {
    await store.sessions.create({
      teamId: team.id,
      agentId: agent.id,
      requestedByUserId: null,
      meta: { n: i, pad: 'x'.repeat(200) },
      expiresAt: now + 60,
      now,
    });
  }
  return { store, file, before };
}

it('copies the write-ahead log into the database file from its thread, while the server writes', async () => {
  const { store, file, before } = await writeSessions(20);
  // 150 commits stay far below the server thread's own backstop (20,000 pages): only the
  // checkpointer can have grown the file.
  await expect.poll(() => fs.statSync(file).size, { timeout: 5_000 }).toBeGreaterThan(before);
  await store.close();
});

it('leaves the database file alone without it, below SQLite’s own 1,000-page checkpoint', async () => {
  const { store, file, before } = await writeSessions(undefined);
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(fs.statSync(file).size).toBe(before);
  await store.close();
});
