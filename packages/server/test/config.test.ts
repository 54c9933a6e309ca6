import { describe, expect, it } from 'vitest';
import { ConfigError, defaultMaxSockets, loadConfig, thisMachine } from '../src/config.js';
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

  it('bounds every database statement and connection by default: 5 s and 3 s', () => {
    expect(loadConfig({})).toMatchObject({
      databaseStatementTimeoutMs: 5_000,
      databaseConnectTimeoutMs: 3_000,
    });
    expect(
      loadConfig({ DATABASE_STATEMENT_TIMEOUT_MS: '1500', DATABASE_CONNECT_TIMEOUT_MS: '800' }),
    ).toMatchObject({ databaseStatementTimeoutMs: 1_500, databaseConnectTimeoutMs: 800 });
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
    ['REALTIME_MAX_SOCKETS', '0'],
    ['REALTIME_MAX_SOCKETS_PER_PRINCIPAL', '0'],
    ['REALTIME_ALLOWED_HOSTS', 'https://api.example.com/'],
    ['REALTIME_ALLOWED_HOSTS', 'api.example.com, evil host'],
    ['DATABASE_STATEMENT_TIMEOUT_MS', '0'],
    ['DATABASE_CONNECT_TIMEOUT_MS', 'soon'],
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

  it('limits sockets to 16 per principal, and per replica to what the machine holds', () => {
    const machine = { openFileLimit: 1_024, totalMemoryBytes: 16 * 2 ** 30 };
    expect(loadConfig({}, machine).realtime).toMatchObject({
      maxSocketsPerPrincipal: 16,
      maxSockets: 768,
      allowedHosts: [],
    });
    expect(loadConfig({}).realtime.maxSockets).toBe(defaultMaxSockets(thisMachine()));
    expect(
      loadConfig({
        REALTIME_MAX_SOCKETS: '5000',
        REALTIME_MAX_SOCKETS_PER_PRINCIPAL: '4',
        REALTIME_ALLOWED_HOSTS: ' API.example.com, ws.example.com:8443 ,',
      }).realtime,
    ).toMatchObject({
      maxSockets: 5_000,
      maxSocketsPerPrincipal: 4,
      allowedHosts: ['api.example.com', 'ws.example.com:8443'],
    });
  });

  it.each([
    // A quarter of the descriptors, and at least 256, stay free for HTTP and the database …
    [320, 16 * 2 ** 30, 64],
    [1_024, 16 * 2 ** 30, 768],
    [20_000, 16 * 2 ** 30, 15_000],
    // … and a socket is given 128 KiB of the machine's memory.
    [1_048_576, 2 ** 30, 8_192],
    [100, 2 ** 30, 1],
  ])('sizes the default socket limit: %i open files, %i bytes → %i', (files, memory, expected) => {
    expect(defaultMaxSockets({ openFileLimit: files, totalMemoryBytes: memory })).toBe(expected);
  });

  it('reads the process’s open-files limit', () => {
    expect(thisMachine().openFileLimit).toBeGreaterThan(0);
  });
});
