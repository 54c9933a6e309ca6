import type pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { PG_TEST_URL, postgresAvailable } from '@agentmc/testkit';
import { PREPARED_STATEMENT_NAMES } from '../src/store/compiled-query.js';
import { deadlineClient } from '../src/store/open-store.js';

// The hot queries (every text compiled once by prepareQuery) run as named statements on
// PostgreSQL: parsed and planned once per connection, then only bound.
describe.runIf(await postgresAvailable())('prepared statements (postgres)', () => {
  const table = `prepared_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const text = `select * from ${table} where id = $1`;
  const clients: pg.Client[] = [];
  afterEach(async () => {
    PREPARED_STATEMENT_NAMES.delete(text);
    await clients[0]?.query(`drop table if exists ${table}`);
    await Promise.all(clients.splice(0).map((c) => c.end()));
  });

  async function connect() {
    const Client = deadlineClient(5_000);
    const client = new Client({ connectionString: PG_TEST_URL });
    await client.connect();
    clients.push(client);
    return client;
  }

  const preparedOn = async (client: pg.Client) =>
    (await client.query<{ name: string }>('select name from pg_prepared_statements')).rows.map(
      (r) => r.name,
    );

  it('prepares a registered text once on its connection, and runs it prepared after', async () => {
    const client = await connect();
    await client.query(`create table ${table} (id int primary key, v text)`);
    await client.query(`insert into ${table} values (1, 'one')`);
    PREPARED_STATEMENT_NAMES.set(text, 'agentmc_test_prepared');

    expect((await client.query(text, [1])).rows).toEqual([{ id: 1, v: 'one' }]);
    expect(await preparedOn(client)).toEqual(['agentmc_test_prepared']);
    expect((await client.query(text, [1])).rows).toEqual([{ id: 1, v: 'one' }]);
    expect(await preparedOn(client)).toEqual(['agentmc_test_prepared']);
    // Any other text runs as before, unnamed.
    await client.query(`select v from ${table} where id = $1`, [1]);
    expect(await preparedOn(client)).toEqual(['agentmc_test_prepared']);
  });

  it('keeps answering when another connection changes the table under a prepared statement', async () => {
    const client = await connect();
    const other = await connect();
    await client.query(`create table ${table} (id int primary key, v text)`);
    await client.query(`insert into ${table} values (1, 'one')`);
    PREPARED_STATEMENT_NAMES.set(text, 'agentmc_test_changed');
    expect((await client.query(text, [1])).rows).toEqual([{ id: 1, v: 'one' }]);

    await other.query(`alter table ${table} add column later text`);

    expect((await client.query(text, [1])).rows).toEqual([{ id: 1, v: 'one', later: null }]);
    expect((await client.query(text, [1])).rows).toEqual([{ id: 1, v: 'one', later: null }]);
  });
});
