import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigSchema, loadConfig } from '../../src/config.js';

// .env.example at the repository's root is the operator's list of settings: it must name every
// one the server reads, each with the default the server really uses.

const text = fs.readFileSync(new URL('../../../../.env.example', import.meta.url), 'utf8');
const settings = new Map(
  text
    .split('\n')
    .filter((line) => /^[A-Z][A-Z0-9_]*=/.test(line))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
);

describe('.env.example', () => {
  it('lists every setting of the server, and nothing it does not read', () => {
    expect([...settings.keys()].sort()).toEqual(Object.keys(ConfigSchema.shape).sort());
  });

  it('gives each setting its default: loading the file changes nothing', () => {
    expect(loadConfig(Object.fromEntries(settings))).toEqual(loadConfig({}));
  });
});
