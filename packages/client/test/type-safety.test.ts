import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const wrongCallsFile = path.join(packageDir, 'test/types/wrong-calls.ts');
const DIRECTIVE = /\/\/ @ts-expect-error (TS\d+)\b/;

/** The package's own tsconfig.json, as `pnpm typecheck` reads it. */
function parsedConfig(): ts.ParsedCommandLine {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    path.join(packageDir, 'tsconfig.json'),
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => expect.fail(format([d])) },
  );
  if (!parsed) throw new Error('tsconfig.json could not be read');
  return parsed;
}

function format(diagnostics: readonly ts.Diagnostic[]): string {
  return ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => packageDir,
    getNewLine: () => '\n',
  });
}

/** A program over the package, with some files' text replaced. */
function program(config: ts.ParsedCommandLine, replaced: Record<string, string> = {}) {
  const host = ts.createCompilerHost(config.options);
  const readFile = host.readFile.bind(host);
  host.readFile = (file) => replaced[path.resolve(file)] ?? readFile(file);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (file, language, onError, create) => {
    const text = replaced[path.resolve(file)];
    return text === undefined
      ? getSourceFile(file, language, onError, create)
      : ts.createSourceFile(file, text, language);
  };
  return ts.createProgram({ rootNames: config.fileNames, options: config.options, host });
}

// Each test compiles the whole package: seconds of CPU, and tens of seconds when the machine is
// busy running the other test files beside it.
describe('the client’s types', { timeout: 120_000 }, () => {
  const config = parsedConfig();

  it('type-check: the seeds’ SDK examples compile unchanged, and every wrong call is an error', () => {
    expect(config.fileNames).toContain(
      path.join(packageDir, 'test/seeds/claim-agent-realtime-session.ts'),
    );
    expect(config.fileNames).toContain(
      path.join(packageDir, 'test/seeds/list-agent-realtime-requested-sessions.ts'),
    );
    const diagnostics = ts.getPreEmitDiagnostics(program(config));
    // An unused @ts-expect-error is an error too (TS2578): each wrong call still fails.
    expect(format(diagnostics)).toBe('');
  });

  it('each wrong call fails for the reason its @ts-expect-error names, and no other', () => {
    const source = fs.readFileSync(wrongCallsFile, 'utf8');
    const lines = source.split('\n');
    const expected = new Map<number, string>();
    lines.forEach((line, index) => {
      const match = DIRECTIVE.exec(line);
      if (match) expected.set(index + 1, match[1]!);
    });
    expect(expected.size).toBeGreaterThanOrEqual(10);

    const stripped = source.replaceAll('// @ts-expect-error', '// expected error:');
    const checked = program(config, { [wrongCallsFile]: stripped });
    const file = checked.getSourceFile(wrongCallsFile)!;
    const found = new Map<number, string[]>();
    for (const d of checked.getSemanticDiagnostics(file)) {
      const line = file.getLineAndCharacterOfPosition(d.start ?? 0).line;
      found.set(line, [...(found.get(line) ?? []), `TS${d.code}`]);
    }
    expect(Object.fromEntries(found)).toEqual(
      Object.fromEntries([...expected].map(([line, code]) => [line, [code]])),
    );
  });
});
