import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  TIMESTAMP,
  apiOf,
  expectError,
  inspect,
  migrating,
  openMigrated,
  spawnServer,
  storeKinds,
  testDatabase,
  useServer,
} from '@agentmc/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/run-cli.js';
import { hashApiKey } from '../src/lib/api-keys.js';
import { openStore } from '../src/store/open-store.js';

/** The built CLI, run the way `pnpm admin` runs it. */
const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

interface Database {
  readonly databaseUrl: string;
  readonly schema: string | undefined;
}

interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed as JSON (throws if it is not). */
  readonly json: any;
}

type Admin = (
  database: Database,
  args: readonly string[],
  env?: Record<string, string>,
) => Promise<CliResult>;

function result(code: number | null, stdout: string, stderr: string): CliResult {
  return {
    code,
    stdout,
    stderr,
    get json() {
      return JSON.parse(stdout);
    },
  };
}

/** The environment of this process, without what says which database or server to use. */
function baseEnv(): NodeJS.ProcessEnv {
  const base = { ...process.env };
  delete base.DATABASE_URL;
  delete base.DATABASE_SCHEMA;
  delete base.AGENTMC_BASE_URL;
  return base;
}

function databaseEnv(database: Database): Record<string, string> {
  return {
    DATABASE_URL: database.databaseUrl,
    ...(database.schema ? { DATABASE_SCHEMA: database.schema } : {}),
  };
}

/**
 * Runs `node dist/cli/main.js …args` against a database, as a child process. It migrates the
 * database first: on PostgreSQL, no test schema is dropped meanwhile.
 */
const adminProcess: Admin = (database, args, env = {}) =>
  migrating(database.databaseUrl, () => spawnAdmin(database, args, env));

const spawnAdmin: Admin = (database, args, env = {}) => {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...baseEnv(), ...databaseEnv(database), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(result(code, stdout, stderr)));
  });
};

/**
 * Runs a command in this process, calling the CLI's function, `runAdmin`, the way
 * `dist/cli/main.js` calls it: configuration from the environment, a store of its own on the
 * database, the output as JSON, exit code 1 for a command the data refuses and 2 for a usage
 * mistake or an invalid configuration. For the tests of what the commands do; starting a node
 * process for each of them tested the same process boundary a hundred times over. The tests
 * marked `(process)` run the real program.
 */
const admin: Admin = async (database, args, env = {}) => {
  let stdout = '';
  let stderr = '';
  const code = await runCli(
    args,
    { ...baseEnv(), ...databaseEnv(database), ...env },
    { out: (text) => (stdout += text), err: (text) => (stderr += text) },
    { openStore: (options) => openMigrated(options.databaseUrl, () => openStore(options)) },
  );
  return result(code, stdout, stderr);
};

/** Runs a command and asserts it succeeded with JSON on stdout; returns that JSON. */
async function ok(
  database: Database,
  args: readonly string[],
  env?: Record<string, string>,
  run: Admin = admin,
) {
  const result = await run(database, args, env);
  expect(result.stderr, `${args.join(' ')}: stderr`).toBe('');
  expect(result.code, `${args.join(' ')}: exit code`).toBe(0);
  return result.json;
}

function sh(command: string): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('sh', ['-c', command], (error, stdout) =>
      error ? reject(new Error(error.message, { cause: error })) : resolve(stdout),
    ),
  );
}

beforeAll(() => {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run \`pnpm build\` first.`);
});

describe.each(await storeKinds())('admin CLI (%s)', (kind) => {
  // A server runs on the same database for every test: the CLI must work beside it. Each test
  // makes its own team, agent and person, so one server serves them all.
  const serving = useServer({ kind }, { shared: true });
  let server: ReturnType<typeof serving>;
  let db: Database;
  beforeEach(() => {
    server = serving();
    db = server.database;
  });

  /** A team with an agent and a person, made through the CLI. */
  async function teamWithAgentAndUser() {
    const team = await ok(db, ['team', 'create', '--name', 'Acme']);
    const agent = await ok(db, ['agent', 'create', '--team', String(team.id), '--name', 'bot']);
    const user = await ok(db, ['user', 'create', '--team', String(team.id), '--name', 'Ada']);
    return { team, agent, user };
  }

  it('team, user and agent create print the created rows as JSON', async () => {
    const { team, agent, user } = await teamWithAgentAndUser();
    expect(team).toEqual({
      id: expect.any(Number),
      name: 'Acme',
      created_at: expect.stringMatching(TIMESTAMP),
    });
    expect(agent).toEqual({
      id: expect.any(Number),
      team_id: team.id,
      name: 'bot',
      disabled_at: null,
      created_at: expect.stringMatching(TIMESTAMP),
      last_seen_at: null,
    });
    expect(user).toEqual({
      id: expect.any(Number),
      team_id: team.id,
      name: 'Ada',
      created_at: expect.stringMatching(TIMESTAMP),
      removed_at: null,
    });
  });

  it('key create --agent prints the key once, stores only its hash, and the key works on the server', async () => {
    const { agent } = await teamWithAgentAndUser();

    const created = await ok(db, ['key', 'create', '--agent', String(agent.id)]);

    expect(created).toMatchObject({ id: expect.any(Number), agent_id: agent.id, user_id: null });
    expect(created.key).toMatch(/^amc_[A-Za-z0-9_-]{43,}$/);
    const rows = await inspect(server.database).query.selectFrom('api_keys').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(created.key);
    expect(rows.find((r) => r.id === created.id)?.key_hash).toBe(hashApiKey(created.key));
    const reply = await apiOf(server.baseUrl).get('/agents/realtime/sessions/requested', {
      key: created.key,
    });
    expect(reply.status).toBe(200);
  });

  it('key create gives a different key every time', async () => {
    const { agent } = await teamWithAgentAndUser();
    const a = await ok(db, ['key', 'create', '--agent', String(agent.id)]);
    const b = await ok(db, ['key', 'create', '--agent', String(agent.id)]);
    expect(a.key).not.toBe(b.key);
    expect(a.id).not.toBe(b.id);
  });

  it('key create --user prints a person’s key that can request a session', async () => {
    const { agent, user } = await teamWithAgentAndUser();
    const created = await ok(db, ['key', 'create', '--user', String(user.id)]);
    expect(created).toMatchObject({ agent_id: null, user_id: user.id });
    const reply = await apiOf(server.baseUrl).post('/realtime/sessions', {
      key: created.key,
      json: { agent_id: agent.id },
    });
    expect(reply.status).toBe(201);
    expect(reply.body.data.requested_by_user_id).toBe(user.id);
  });

  it('key revoke makes the key answer 401, and never prints the key again', async () => {
    const { agent } = await teamWithAgentAndUser();
    const created = await ok(db, ['key', 'create', '--agent', String(agent.id)]);
    const api = apiOf(server.baseUrl);
    expect(
      (await api.get('/agents/realtime/sessions/requested', { key: created.key })).status,
    ).toBe(200);

    const revoked = await ok(db, ['key', 'revoke', '--id', String(created.id)]);

    expect(revoked).toEqual({
      id: created.id,
      prefix: created.prefix,
      revoked_at: expect.stringMatching(TIMESTAMP),
    });
    expect(JSON.stringify(revoked)).not.toContain(created.key);
    expectError(
      await api.get('/agents/realtime/sessions/requested', { key: created.key }),
      401,
      'auth.unauthenticated',
    );
  });

  it('agent disable makes the agent’s key answer 403; agent enable lets it back in', async () => {
    const { agent } = await teamWithAgentAndUser();
    const { key } = await ok(db, ['key', 'create', '--agent', String(agent.id)]);
    const api = apiOf(server.baseUrl);

    const disabled = await ok(db, ['agent', 'disable', '--id', String(agent.id)]);
    expect(disabled.disabled_at).toMatch(TIMESTAMP);
    expectError(
      await api.get('/agents/realtime/sessions/requested', { key }),
      403,
      'auth.forbidden',
    );

    const enabled = await ok(db, ['agent', 'enable', '--id', String(agent.id)]);
    expect(enabled.disabled_at).toBeNull();
    expect((await api.get('/agents/realtime/sessions/requested', { key })).status).toBe(200);
  });

  it('session request creates a session the agent lists, with its person, TTL and meta', async () => {
    const { team, agent, user } = await teamWithAgentAndUser();
    const { key } = await ok(db, ['key', 'create', '--agent', String(agent.id)]);

    const session = await ok(db, [
      'session',
      'request',
      '--agent',
      String(agent.id),
      '--user',
      String(user.id),
      '--ttl',
      '120',
      '--meta',
      '{"topic":"billing"}',
    ]);

    expect(session).toMatchObject({
      team_id: team.id,
      agent_id: agent.id,
      requested_by_user_id: user.id,
      status: 'requested',
      meta: { topic: 'billing' },
    });
    expect(Date.parse(session.expires_at) - Date.parse(session.created_at)).toBe(120_000);
    const listed = await apiOf(server.baseUrl).get('/agents/realtime/sessions/requested', { key });
    expect(listed.body.data).toEqual([session]);
  });

  it('session request without --user is the system’s request, with the default TTL of 600 s, and warns', async () => {
    const { agent } = await teamWithAgentAndUser();
    const result = await admin(db, ['session', 'request', '--agent', String(agent.id)]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^warning: no --user: .*no person can join it/);
    const session = result.json;
    expect(session).toMatchObject({ requested_by_user_id: null, meta: null, status: 'requested' });
    expect(Date.parse(session.expires_at) - Date.parse(session.created_at)).toBe(600_000);
  });

  it('demo prints a team, a person, an agent, their keys, and commands that work as printed', async () => {
    const demo = await ok(db, ['demo', '--json'], { AGENTMC_BASE_URL: server.baseUrl });

    expect(demo).toMatchObject({
      team: { id: expect.any(Number) },
      user: { id: expect.any(Number) },
      agent: { id: expect.any(Number) },
      agent_key: expect.stringMatching(/^amc_/),
      user_key: expect.stringMatching(/^amc_/),
    });
    expect(demo.user.team_id).toBe(demo.team.id);
    expect(demo.agent.team_id).toBe(demo.team.id);
    const commands = demo.try as string[];
    expect(commands.join('\n')).toContain(demo.agent_key);
    expect(commands.join('\n')).toContain(demo.user_key);
    expect(commands.some((c) => c.includes('pnpm agent'))).toBe(true);

    const curls = commands.filter((c) => c.startsWith('curl'));
    expect(curls).toHaveLength(3);
    const [request, list, claim] = curls as [string, string, string];
    const created = JSON.parse(await sh(request));
    expect(created.data).toMatchObject({ agent_id: demo.agent.id, status: 'requested' });
    const listed = JSON.parse(await sh(list));
    expect(listed.data.map((s: { id: number }) => s.id)).toEqual([created.data.id]);
    const claimed = JSON.parse(await sh(claim.replace('SESSION_ID', String(created.data.id))));
    expect(claimed.data).toMatchObject({ id: created.data.id, status: 'claimed' });
  });

  it('demo quotes every URL it prints, so that shells which glob `?` run them as printed', async () => {
    const demo = await ok(db, ['demo', '--json'], { AGENTMC_BASE_URL: server.baseUrl });
    for (const command of (demo.try as string[]).filter((c) => c.startsWith('curl'))) {
      expect(command, command).toMatch(/ 'https?:\/\/[^' ]+'/);
      expect(command, command).not.toMatch(/ https?:\/\//);
    }
  });

  it('team, user, agent and key list print what was made, oldest first; keys without the key', async () => {
    const { team, agent, user } = await teamWithAgentAndUser();
    const agentKey = await ok(db, ['key', 'create', '--agent', String(agent.id)]);
    const userKey = await ok(db, ['key', 'create', '--user', String(user.id)]);
    await ok(db, ['key', 'revoke', '--id', String(agentKey.id)]);
    const t = ['--team', String(team.id)];

    const teams = await ok(db, ['team', 'list']);
    expect(teams).toContainEqual(team);
    expect(teams.map((x: { id: number }) => x.id)).toEqual(
      [...teams.map((x: { id: number }) => x.id)].sort((a, b) => a - b),
    );
    expect(await ok(db, ['user', 'list', ...t])).toEqual([user]);
    expect(await ok(db, ['agent', 'list', ...t])).toEqual([agent]);
    const keys = await ok(db, ['key', 'list', ...t]);
    expect(keys).toEqual([
      {
        id: agentKey.id,
        prefix: agentKey.prefix,
        team_id: team.id,
        agent_id: agent.id,
        user_id: null,
        created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        revoked_at: expect.stringMatching(/Z$/),
      },
      expect.objectContaining({
        id: userKey.id,
        user_id: user.id,
        agent_id: null,
        revoked_at: null,
      }),
    ]);
    expect(JSON.stringify(keys)).not.toContain(userKey.key);
    expect(JSON.stringify(keys)).not.toContain('hash');
  });

  it('demo prints export lines with the real base URL and commands that work as pasted (process)', async () => {
    const result = await adminProcess(db, ['demo'], { PORT: '4567', HOST: '0.0.0.0' });
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines).toContain("export AGENTMC_BASE_URL='http://localhost:4567/api/v1'");
    expect(lines.filter((l) => l.startsWith('export '))).toEqual([
      expect.stringMatching(/^export AGENTMC_BASE_URL=/),
      expect.stringMatching(/^export AGENT_KEY='amc_[\w-]+'$/),
      expect.stringMatching(/^export USER_KEY='amc_[\w-]+'$/),
      expect.stringMatching(/^export AGENT_ID=\d+$/),
    ]);
    expect(lines).toContain('AGENTMC_API_KEY="$AGENT_KEY" pnpm agent');
    expect(lines).toContain('AGENTMC_API_KEY="$USER_KEY" pnpm chat --agent "$AGENT_ID"');

    // Pasted into a shell, the exports then the commands (against this test's server), they run.
    const exports = lines.filter((l) => l.startsWith('export ')).join('\n');
    const [request, list] = lines.filter((l) => l.startsWith('curl'));
    const prelude = `${exports}\nexport AGENTMC_BASE_URL='${server.baseUrl}'\n`;
    const created = JSON.parse(await sh(`${prelude} ${request}`));
    expect(created.data.status).toBe('requested');
    const listed = JSON.parse(await sh(`${prelude} ${list}`));
    expect(listed.data.map((x: { id: number }) => x.id)).toEqual([created.data.id]);
  });

  // Processes: the server and the CLI share the database across processes, as in production.
  it('works while the server serves requests on the same database (process)', async () => {
    const { agent, user } = await teamWithAgentAndUser();
    const { key } = await ok(db, ['key', 'create', '--agent', String(agent.id)], {}, adminProcess);
    const api = apiOf(server.baseUrl);
    let polling = true;
    let polls = 0;
    const poller = (async () => {
      while (polling) {
        expect((await api.get('/agents/realtime/sessions/requested', { key })).status).toBe(200);
        polls++;
      }
    })();

    const sessions = await Promise.all(
      Array.from({ length: 4 }, () =>
        ok(
          db,
          ['session', 'request', '--agent', String(agent.id), '--user', String(user.id)],
          {},
          adminProcess,
        ),
      ),
    );
    polling = false;
    await poller;

    expect(polls).toBeGreaterThan(0);
    const listed = await api.get('/agents/realtime/sessions/requested', { key });
    expect(listed.body.data.map((s: { id: number }) => s.id).sort()).toEqual(
      sessions.map((s) => s.id).sort(),
    );
  });

  it.each(
    [
      ['user', 'create', '--team', '999999', '--name', 'x'],
      ['agent', 'disable', '--id', '999999'],
      ['key', 'create', '--agent', '999999'],
      ['key', 'create', '--user', '999999'],
      ['key', 'revoke', '--id', '999999'],
      ['session', 'request', '--agent', '999999'],
    ]
      // The first as a process: the program prints the error and sets the exit code.
      .map((args, i) => ({
        command: args.join(' '),
        args,
        via: i === 0 ? 'process' : 'in process',
      })),
  )('`$command` exits 1 naming what is missing, on stderr only ($via)', async ({ args, via }) => {
    const result = await (via === 'process' ? adminProcess : admin)(db, args);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: (team|agent|user|key) 999999 not found\n$/);
    expect(result.stdout).toBe('');
  });

  it('refuses a session for a person of another team', async () => {
    const { agent } = await teamWithAgentAndUser();
    const other = await ok(db, ['team', 'create', '--name', 'Other']);
    const stranger = await ok(db, ['user', 'create', '--team', String(other.id), '--name', 'Eve']);
    const result = await admin(db, [
      'session',
      'request',
      '--agent',
      String(agent.id),
      '--user',
      String(stranger.id),
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/not in agent .* team/);
    expect(result.stdout).toBe('');
  });
});

// Mistakes in the command line are caught before any row is touched, whatever the store.
describe('admin CLI usage errors', () => {
  let database: ReturnType<typeof testDatabase>;
  beforeAll(() => {
    database = testDatabase('sqlite');
  });
  afterAll(() => database.drop());

  it.each(
    (
      [
        [['team', 'create'], /--name is required/],
        [['team', 'create', '--name', '  '], /--name must not be empty/],
        [['team', 'create', '--name'], /'--name <name>' argument missing/],
        [['team', 'create', '--name', 'x', '--colour', 'red'], /unknown option '--colour'/],
        [['team', 'create', '--name', 'x', 'extra'], /too many arguments for 'create'/],
        [['user', 'create', '--name', 'x'], /--team is required/],
        [['user', 'create', '--team', 'abc', '--name', 'x'], /--team must be a positive integer/],
        [['agent', 'create', '--team', '0', '--name', 'x'], /--team must be a positive integer/],
        [['agent', 'disable'], /--id is required/],
        [['key', 'create'], /exactly one of --agent ID or --user ID/],
        [
          ['key', 'create', '--agent', '1', '--user', '1'],
          /exactly one of --agent ID or --user ID/,
        ],
        [['key', 'revoke', '--id', '1.5'], /--id must be a positive integer/],
        [['session', 'request'], /--agent is required/],
        [['session', 'request', '--agent', '1', '--ttl', '5'], /--ttl must be at least 10/],
        [['session', 'request', '--agent', '1', '--ttl', '86401'], /--ttl must be at most 86400/],
        [['session', 'request', '--agent', '1', '--meta', '{oops'], /--meta must be JSON/],
        [['session', 'request', '--agent', '1', '--meta', '[1]'], /--meta must be a JSON object/],
        [['frobnicate'], /unknown command 'frobnicate'/],
        [['team'], /Usage: pnpm admin team/],
        [['team', 'list', '--team', '1'], /unknown option '--team'/],
        [['key', 'list', '--team', 'x'], /--team must be a positive integer/],
      ] as const
    )
      // The first as a process: the program prints the error and sets the exit code.
      .map(([args, message], i) => ({
        command: args.join(' '),
        args,
        message,
        via: i === 0 ? 'process' : 'in process',
      })),
  )(
    '`$command` exits 2 with a clear message on stderr and nothing on stdout ($via)',
    async ({ args, message, via }) => {
      const result = await (via === 'process' ? adminProcess : admin)(database, args);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stdout).toBe('');
    },
  );

  it('prints its usage on stderr and exits 2 without a command; on stdout, exit 0, for --help (process)', async () => {
    const none = await adminProcess(database, []);
    expect(none.code).toBe(2);
    expect(none.stdout).toBe('');
    expect(none.stderr).toMatch(/Usage: pnpm admin <command>/);
    const help = await adminProcess(database, ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: pnpm admin <command>/);
  });

  it.each([
    [['team', '--help'], /Usage: pnpm admin team .*\n[\s\S]*create[\s\S]*list/],
    [['user', '--help'], /Usage: pnpm admin user/],
    [['agent', '--help'], /disable[\s\S]*enable[\s\S]*list/],
    [['key', '--help'], /revoke[\s\S]*list/],
    [['key', 'create', '--help'], /--agent <id>[\s\S]*--user <id>/],
    [['session', 'request', '--help'], /--user <id>.*no person can join/],
    [['help', 'demo'], /--json/],
  ] as const)('`%s` prints that command’s help on stdout and exits 0', async (args, help) => {
    const result = await admin(database, args);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(help);
    expect(result.stderr).toBe('');
  });

  it('--version prints the server package’s version and exits 0 (process)', async () => {
    const { version } = JSON.parse(
      fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
    ) as { version: string };
    const result = await adminProcess(database, ['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${version}\n`);
  });

  it('exits 2 naming the setting when the configuration is invalid (process)', async () => {
    const result = await adminProcess(database, ['team', 'create', '--name', 'x'], {
      SESSION_TTL_SECONDS: 'soon',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/SESSION_TTL_SECONDS/);
    expect(result.stdout).toBe('');
  });
});

describe.each(await storeKinds())('admin CLI on a fresh database (%s)', (kind) => {
  it('applies the migrations itself before any server ran, and the server then starts on them (process)', async () => {
    const database = testDatabase(kind);
    try {
      const demo = await ok(database, ['demo', '--json'], {}, adminProcess);
      const replica = await spawnServer({
        DATABASE_URL: database.databaseUrl,
        ...(database.schema ? { DATABASE_SCHEMA: database.schema } : {}),
      });
      try {
        const api = apiOf(replica.baseUrl);
        const created = await api.post('/realtime/sessions', {
          key: demo.user_key,
          json: { agent_id: demo.agent.id },
        });
        expect(created.status).toBe(201);
        const listed = await api.get('/agents/realtime/sessions/requested', {
          key: demo.agent_key,
        });
        expect(listed.body.data.map((s: { id: number }) => s.id)).toEqual([created.body.data.id]);
      } finally {
        expect(await replica.stop()).toBe(0);
      }
    } finally {
      await database.drop();
    }
  });
});
