/** The ceilings: node:http and bare Express serving the real responses' bytes. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@agentmc/testkit/core';
import { log, measured, timed, type Row } from './common.js';
import { load } from './load.js';
import { CONNECTIONS } from './settings.js';

const ceilingScript = path.join(path.dirname(fileURLToPath(import.meta.url)), 'ceiling-server.js');

async function startCeiling(kind: 'raw' | 'express', listFile: string, claimFile: string) {
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [ceilingScript, kind, String(port), listFile, claimFile],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`${kind} ceiling exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => (child.once('exit', () => resolve()), child.kill('SIGTERM'))),
  };
}

/** List and claim against each ceiling, with the bodies the real server answered. */
export async function benchCeilings(bodies: { list: string; claim: string }): Promise<Row[]> {
  const rows: Row[] = [];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agentmc-bench-'));
  const listFile = path.join(tmp, 'list.json');
  const claimFile = path.join(tmp, 'claim.json');
  fs.writeFileSync(listFile, bodies.list);
  fs.writeFileSync(claimFile, bodies.claim);
  for (const kind of ['raw', 'express'] as const) {
    log(`\nceiling: ${kind === 'raw' ? 'node:http' : 'bare Express 4 + express.json()'}`);
    const ceiling = await startCeiling(kind, listFile, claimFile);
    try {
      const target = kind === 'raw' ? 'node:http' : 'bare Express';
      const listNext = () => ({
        path: '/api/v1/agents/realtime/sessions/requested?limit=20',
        headers: { 'x-api-key': 'x' },
      });
      let n = 0;
      const claimNext = () => ({
        path: `/api/v1/agents/realtime/sessions/${++n}/claim`,
        headers: { 'x-api-key': 'x', 'content-type': 'application/json' },
        body: '{}',
      });
      for (const [operation, next, method] of [
        ['list', listNext, 'GET'],
        ['claim', claimNext, 'POST'],
      ] as const) {
        const r = await measured(`${target} ${operation}`, (phase) =>
          load({ url: ceiling.url, connections: CONNECTIONS, ...timed(phase), method, next }),
        );
        rows.push({
          target,
          operation,
          rps: r.rps,
          p50_ms: r.p50,
          p99_ms: r.p99,
          vs_express: null,
        });
      }
    } finally {
      await ceiling.stop();
    }
  }
  fs.rmSync(tmp, { recursive: true, force: true });
  return rows;
}
