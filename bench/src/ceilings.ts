/** The ceilings: node:http and bare Express serving the real responses' bytes. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@agentmc/testkit/core';

const ceilingScript = path.join(path.dirname(fileURLToPath(import.meta.url)), 'ceiling-server.js');

export type CeilingKind = 'raw' | 'express';

export const CEILING_NAMES: Record<CeilingKind, string> = {
  raw: 'node:http',
  express: 'bare Express',
};

export interface Ceiling {
  readonly name: string;
  /** `http://127.0.0.1:port` */
  readonly url: string;
  stop(): Promise<void>;
}

/** A ceiling in its own process, answering list and claim with these bodies. */
export async function startCeiling(
  kind: CeilingKind,
  bodies: { list: string; claim: string },
): Promise<Ceiling> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agentmc-bench-'));
  const listFile = path.join(tmp, 'list.json');
  const claimFile = path.join(tmp, 'claim.json');
  fs.writeFileSync(listFile, bodies.list);
  fs.writeFileSync(claimFile, bodies.claim);
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [ceilingScript, kind, String(port), listFile, claimFile],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`${kind} ceiling exited with ${code}`)));
  });
  fs.rmSync(tmp, { recursive: true, force: true });
  return {
    name: CEILING_NAMES[kind],
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** The ceilings' requests: any key, any session id; they answer the same bytes. */
export function ceilingRequests(operation: 'list' | 'claim') {
  if (operation === 'list') {
    return () => ({
      path: '/api/v1/agents/realtime/sessions/requested?limit=20',
      headers: { 'x-api-key': 'x' },
    });
  }
  let n = 0;
  return () => ({
    path: `/api/v1/agents/realtime/sessions/${++n}/claim`,
    headers: { 'x-api-key': 'x', 'content-type': 'application/json' },
    body: '{}',
  });
}
