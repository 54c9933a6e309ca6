import { describe, expect, it } from 'vitest';
import { AgentConfigError, createJsonLogger, loadAgentConfig } from '../src/index.js';

describe('loadAgentConfig', () => {
  it('needs AGENTMC_API_KEY, and says how to get one', () => {
    expect(() => loadAgentConfig({})).toThrow(AgentConfigError);
    expect(() => loadAgentConfig({ AGENTMC_API_KEY: '  ' })).toThrow(
      /AGENTMC_API_KEY: required; create one with `pnpm admin key create --agent ID`/,
    );
  });

  it('defaults everything else', () => {
    expect(loadAgentConfig({ AGENTMC_API_KEY: 'amc_x' })).toEqual({
      apiKey: 'amc_x',
      baseUrl: undefined,
      watch: true,
      reconcileMs: 30_000,
      pollMinMs: 1_000,
      pollMaxMs: 30_000,
      listLimit: 20,
      requestTimeoutMs: 10_000,
      logLevel: 'info',
    });
  });

  it('reads every setting', () => {
    expect(
      loadAgentConfig({
        AGENTMC_API_KEY: 'amc_x',
        AGENTMC_BASE_URL: 'https://agentmc.example/api/v1',
        AGENTMC_WATCH: 'false',
        AGENTMC_RECONCILE_MS: '60000',
        AGENTMC_POLL_MIN_MS: '250',
        AGENTMC_POLL_MAX_MS: '5000',
        AGENTMC_LIST_LIMIT: '100',
        AGENTMC_REQUEST_TIMEOUT_MS: '2000',
        AGENTMC_LOG_LEVEL: 'debug',
      }),
    ).toEqual({
      apiKey: 'amc_x',
      baseUrl: 'https://agentmc.example/api/v1',
      watch: false,
      reconcileMs: 60_000,
      pollMinMs: 250,
      pollMaxMs: 5_000,
      listLimit: 100,
      requestTimeoutMs: 2_000,
      logLevel: 'debug',
    });
  });

  it('lists every problem at once', () => {
    try {
      loadAgentConfig({
        AGENTMC_BASE_URL: 'localhost:3000',
        AGENTMC_WATCH: 'sometimes',
        AGENTMC_RECONCILE_MS: '5000',
        AGENTMC_POLL_MIN_MS: '10s',
        AGENTMC_POLL_MAX_MS: '0',
        AGENTMC_LIST_LIMIT: '101',
        AGENTMC_LOG_LEVEL: 'loud',
      });
      expect.fail('no error');
    } catch (error) {
      expect(error).toBeInstanceOf(AgentConfigError);
      expect((error as AgentConfigError).problems.map((p) => p.split(':')[0])).toEqual([
        'AGENTMC_API_KEY',
        'AGENTMC_BASE_URL',
        'AGENTMC_WATCH',
        'AGENTMC_RECONCILE_MS',
        'AGENTMC_POLL_MIN_MS',
        'AGENTMC_POLL_MAX_MS',
        'AGENTMC_LIST_LIMIT',
        'AGENTMC_LOG_LEVEL',
      ]);
    }
  });
});

describe('createJsonLogger', () => {
  it('writes one JSON object per line, from its level up', () => {
    const lines: string[] = [];
    const logger = createJsonLogger({ level: 'info', write: (line) => lines.push(line) });
    logger.debug('hidden');
    logger.info('session.claimed', { session_id: 7 });
    logger.error('boom');
    expect(lines).toHaveLength(2);
    expect(lines.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n'))).toBe(true);
    expect(JSON.parse(lines[0]!)).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      level: 'info',
      event: 'session.claimed',
      session_id: 7,
    });
  });
});
