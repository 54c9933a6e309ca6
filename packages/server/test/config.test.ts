import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { isPostgresUrl } from '../src/store/open-store.js';

describe('the server’s configuration', () => {
  it('has the defaults of the issue: port 3000, SQLite at ./data/agentmc.sqlite, a TTL of 600 s', () => {
    expect(loadConfig({})).toMatchObject({
      port: 3000,
      host: '0.0.0.0',
      databaseUrl: './data/agentmc.sqlite',
      sessionTtlSeconds: 600,
      logLevel: 'info',
      bodyLimit: '64kb',
    });
  });

  it('reads PORT, HOST, DATABASE_URL, SESSION_TTL_SECONDS and LOG_LEVEL', () => {
    expect(
      loadConfig({
        PORT: '8080',
        HOST: '127.0.0.1',
        DATABASE_URL: 'postgres://u@db:5432/agentmc',
        SESSION_TTL_SECONDS: '120',
        LOG_LEVEL: 'debug',
      }),
    ).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      databaseUrl: 'postgres://u@db:5432/agentmc',
      sessionTtlSeconds: 120,
      logLevel: 'debug',
    });
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '' })).toMatchObject({
      port: 3000,
      databaseUrl: './data/agentmc.sqlite',
    });
  });

  it.each([
    ['PORT', 'http'],
    ['PORT', '70000'],
    ['SESSION_TTL_SECONDS', '5'],
    ['SESSION_TTL_SECONDS', '86401'],
    ['LOG_LEVEL', 'loud'],
    ['DATABASE_SCHEMA', 'bad-name'],
  ])('refuses %s=%s, naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(name));
  });

  it('selects PostgreSQL for postgres:// and postgresql:// URLs, SQLite for anything else', () => {
    expect(isPostgresUrl('postgres://u@h/db')).toBe(true);
    expect(isPostgresUrl('postgresql://u@h/db')).toBe(true);
    expect(isPostgresUrl('./data/agentmc.sqlite')).toBe(false);
    expect(isPostgresUrl('sqlite:./x.sqlite')).toBe(false);
  });
});
