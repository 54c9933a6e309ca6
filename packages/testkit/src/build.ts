import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

/** When a file was last written, in ms; undefined if it is missing. */
function writtenAt(file: string): number | undefined {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

/** The latest write among a folder's files, or a file's own. */
function latestWrite(entry: string): number {
  const stat = fs.statSync(entry, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = 0;
  for (const name of fs.readdirSync(entry)) {
    latest = Math.max(latest, latestWrite(path.join(entry, name)));
  }
  return latest;
}

/**
 * Builds a package (`pnpm run build`) unless its built entry is newer than everything its build
 * reads: tests that run the built program (`node dist/main.js`) then never run a stale one,
 * and under `pnpm test`, which builds first, they do not build again.
 *
 * @example
 * beforeAll(() => ensureBuilt(fileURLToPath(new URL('..', import.meta.url))), 120_000);
 */
export async function ensureBuilt(packageDir: string, entry = 'dist/main.js'): Promise<void> {
  const built = writtenAt(path.join(packageDir, entry));
  const inputs = ['src', 'package.json', 'tsconfig.json', 'tsconfig.build.json'];
  const changed = Math.max(...inputs.map((input) => latestWrite(path.join(packageDir, input))));
  if (built !== undefined && built > changed) return;
  await promisify(execFile)('pnpm', ['run', 'build'], { cwd: packageDir });
}
