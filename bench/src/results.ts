/** Where each benchmark's results go: bench/results/, as JSON and, for the reports, HTML. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const resultsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../results');

/** `realtime-2026-12-02T13-01-25-845Z`: a run's name from its kind and start. */
export const runName = (kind: string, started: Date) =>
  `${kind}-${started.toISOString().replace(/[:.]/g, '-')}`;

/**
 * Writes `name`.json and a copy as `latest`.json; given `html`, which writes the page to the
 * file it is handed, also `name`.html and `latest`.html. Says on stdout what it wrote.
 *
 * @example
 * writeResults(runName('bench', started), 'latest', report, (file) => writeBenchHtml(file, report));
 */
export function writeResults(
  name: string,
  latest: string,
  report: object,
  html?: (file: string) => void,
): void {
  fs.mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `${name}.json`);
  const json = `${JSON.stringify(report, null, 2)}\n`;
  fs.writeFileSync(file, json);
  fs.writeFileSync(path.join(resultsDir, `${latest}.json`), json);
  console.log(`\nwritten: ${path.relative(process.cwd(), file)}`);
  if (html) {
    const page = path.join(resultsDir, `${name}.html`);
    html(page);
    fs.copyFileSync(page, path.join(resultsDir, `${latest}.html`));
    console.log(`written: ${path.relative(process.cwd(), page)}`);
  }
}
