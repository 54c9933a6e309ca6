/**
 * Summarises a V8 CPU profile (`node --cpu-prof`): where the time went, by package and by
 * function (self time). `pnpm bench` writes the server's profiles when BENCH_PROFILE=1.
 *
 * Usage: node bench/dist/profile.js FILE.cpuprofile [TOP]
 */
import fs from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export function summarise(profile: Profile, top = 20): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const time = new Map<number, number>();
  profile.samples.forEach((id, i) =>
    time.set(id, (time.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)),
  );
  const total = [...time.values()].reduce((a, b) => a + b, 0) || 1;
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  for (const [id, t] of time) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const where = url
      .replace(/^.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, '')
      .replace(/^file:\/\/.*?\/(packages|apps)\//, '$1/');
    const fn = `${functionName || '(anonymous)'}  ${where}${url ? `:${lineNumber + 1}` : ''}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + t);
    const pkg =
      /node_modules\/\.pnpm\/[^/]+\/node_modules\/((@[^/]+\/)?[^/]+)/.exec(url)?.[1] ??
      /(packages|apps)\/[^/]+/.exec(url)?.[0] ??
      (url || functionName);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + t);
  }
  const list = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, v]) => `${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`)
      .join('\n');
  return `by package\n${list(byPackage)}\n\nby function (self time)\n${list(byFunction)}`;
}

/** {@link summarise} of a `.cpuprofile` file. */
export function summariseFile(file: string, top = 20): string {
  return summarise(JSON.parse(fs.readFileSync(file, 'utf8')) as Profile, top);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node bench/dist/profile.js FILE.cpuprofile [TOP]');
    process.exit(2);
  }
  console.log(summariseFile(file, Number(top ?? 20)));
}
