import { sql, type Kysely } from 'kysely';
import { prepareQuery } from './compiled-query.js';
import type { Database } from './schema.js';
import type { IdentityStore, Principal } from './store.js';

/** Teams, people, agents and keys over Kysely. */
export function identityStore(db: Kysely<Database>): IdentityStore {
  // Every request authenticates: this statement is compiled once.
  const principalByKeyHash = prepareQuery(db, { keyHash: 'string' }, (p: { keyHash: string }) =>
    db
      .selectFrom('api_keys as k')
      .leftJoin('agents as a', 'a.id', 'k.agent_id')
      .leftJoin('users as u', 'u.id', 'k.user_id')
      .select(['k.id', 'k.prefix', 'k.team_id', 'k.agent_id', 'k.user_id', 'a.disabled_at'])
      .where('k.key_hash', '=', p.keyHash)
      .where('k.revoked_at', 'is', null)
      // A removed person's keys stop working (an agent's key has no user: nothing to check).
      .where('u.removed_at', 'is', null),
  );
  // A browser token is good while it has not expired, the key it was minted through is not
  // revoked and its person not removed: one statement decides all three, on every request.
  const principalByTokenHash = prepareQuery(
    db,
    { tokenHash: 'string', now: 'number' },
    (p: { tokenHash: string; now: number }) =>
      db
        .selectFrom('browser_tokens as t')
        .innerJoin('api_keys as k', 'k.id', 't.key_id')
        .innerJoin('users as u', 'u.id', 't.user_id')
        .select(['t.id', 't.team_id', 't.user_id', 't.key_id', 'k.prefix'])
        .where('t.token_hash', '=', p.tokenHash)
        .where('t.expires_at', '>=', p.now)
        .where('k.revoked_at', 'is', null)
        .where('u.removed_at', 'is', null),
  );

  return {
    async findPrincipalByKeyHash(keyHash) {
      const [row] = await principalByKeyHash.execute({ keyHash });
      return row && toPrincipal(row);
    },

    async findPrincipalByKeyId(keyId) {
      const row = await db
        .selectFrom('api_keys as k')
        .leftJoin('agents as a', 'a.id', 'k.agent_id')
        .leftJoin('users as u', 'u.id', 'k.user_id')
        .select(['k.id', 'k.prefix', 'k.team_id', 'k.agent_id', 'k.user_id', 'a.disabled_at'])
        .where('k.id', '=', keyId)
        .where('k.revoked_at', 'is', null)
        .where('u.removed_at', 'is', null)
        .executeTakeFirst();
      return row && toPrincipal(row);
    },

    async findPrincipalByTokenHash(input) {
      const [row] = await principalByTokenHash.execute(input);
      if (!row) return undefined;
      return {
        keyId: row.key_id,
        keyPrefix: row.prefix,
        teamId: row.team_id,
        agentId: null,
        userId: row.user_id,
        agentDisabled: false,
        browserTokenId: row.id,
      };
    },

    // The token is minted only while its key is live and its person present: one statement.
    createBrowserToken: (input) =>
      db
        .insertInto('browser_tokens')
        .columns(['team_id', 'user_id', 'key_id', 'token_hash', 'expires_at', 'created_at'])
        .expression((eb) =>
          eb
            .selectFrom('api_keys as k')
            .innerJoin('users as u', 'u.id', 'k.user_id')
            .select([
              'k.team_id',
              'k.user_id',
              'k.id',
              eb.val(input.tokenHash).as('token_hash'),
              eb.val(input.expiresAt).as('expires_at'),
              eb.val(input.now).as('created_at'),
            ])
            .where('k.id', '=', input.keyId)
            .where('k.revoked_at', 'is', null)
            .where('u.removed_at', 'is', null),
        )
        .returningAll()
        .executeTakeFirst(),

    latestUserKey: (userId) =>
      db
        .selectFrom('api_keys')
        .selectAll()
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst(),

    async pruneBrowserTokens(before) {
      await db.deleteFrom('browser_tokens').where('expires_at', '<', before).execute();
    },

    removeUser: (input) =>
      db
        .updateTable('users')
        .set({ removed_at: sql<number>`coalesce(${sql.ref('removed_at')}, ${input.now})` })
        .where('id', '=', input.userId)
        .returningAll()
        .executeTakeFirst(),

    listTeamAgents: (teamId) =>
      db
        .selectFrom('agents')
        .selectAll()
        .where('team_id', '=', teamId)
        .where('disabled_at', 'is', null)
        .orderBy('id')
        .execute(),

    async markAgentsSeen(input) {
      if (input.agentIds.length === 0) return;
      await db
        .updateTable('agents')
        .set({ last_seen_at: input.now })
        .where('id', 'in', input.agentIds)
        .execute();
    },

    createTeam: (input) =>
      db
        .insertInto('teams')
        .values({ name: input.name, created_at: input.now })
        .returningAll()
        .executeTakeFirstOrThrow(),

    // Users and agents are inserted only if their team exists: one statement, no window.
    createUser: (input) =>
      db
        .insertInto('users')
        .columns(['team_id', 'name', 'created_at'])
        .expression((eb) =>
          eb
            .selectFrom('teams')
            .select(['id', eb.val(input.name).as('name'), eb.val(input.now).as('created_at')])
            .where('id', '=', input.teamId),
        )
        .returningAll()
        .executeTakeFirst(),

    createAgent: (input) =>
      db
        .insertInto('agents')
        .columns(['team_id', 'name', 'created_at'])
        .expression((eb) =>
          eb
            .selectFrom('teams')
            .select(['id', eb.val(input.name).as('name'), eb.val(input.now).as('created_at')])
            .where('id', '=', input.teamId),
        )
        .returningAll()
        .executeTakeFirst(),

    // The admin CLI's lists: oldest first, optionally one team's.
    listTeams: () => db.selectFrom('teams').selectAll().orderBy('id').execute(),
    listUsers: (input) =>
      db
        .selectFrom('users')
        .selectAll()
        .$if(input.teamId !== undefined, (q) => q.where('team_id', '=', input.teamId!))
        .orderBy('id')
        .execute(),
    listAgents: (input) =>
      db
        .selectFrom('agents')
        .selectAll()
        .$if(input.teamId !== undefined, (q) => q.where('team_id', '=', input.teamId!))
        .orderBy('id')
        .execute(),
    listApiKeys: (input) =>
      db
        .selectFrom('api_keys')
        .select(['id', 'prefix', 'team_id', 'agent_id', 'user_id', 'created_at', 'revoked_at'])
        .$if(input.teamId !== undefined, (q) => q.where('team_id', '=', input.teamId!))
        .orderBy('id')
        .execute(),

    findAgent: (id) => db.selectFrom('agents').selectAll().where('id', '=', id).executeTakeFirst(),
    findUser: (id) => db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst(),

    setAgentDisabled: (input) =>
      db
        .updateTable('agents')
        .set({
          disabled_at: input.disabled
            ? sql<number>`coalesce(${sql.ref('disabled_at')}, ${input.now})`
            : null,
        })
        .where('id', '=', input.agentId)
        .returningAll()
        .executeTakeFirst(),

    createApiKey(input) {
      const { principal } = input;
      const owner = 'agentId' in principal ? ('agents' as const) : ('users' as const);
      const ownerId = 'agentId' in principal ? principal.agentId : principal.userId;
      return db
        .insertInto('api_keys')
        .columns(['team_id', 'agent_id', 'user_id', 'prefix', 'key_hash', 'created_at'])
        .expression((eb) =>
          eb
            .selectFrom(owner)
            .select([
              'team_id',
              eb.val(owner === 'agents' ? ownerId : null).as('agent_id'),
              eb.val(owner === 'users' ? ownerId : null).as('user_id'),
              eb.val(input.prefix).as('prefix'),
              eb.val(input.keyHash).as('key_hash'),
              eb.val(input.now).as('created_at'),
            ])
            .where('id', '=', ownerId)
            // A removed person gets no new key.
            .$if(owner === 'users', (q) => q.where(sql.ref('removed_at'), 'is', null)),
        )
        .returningAll()
        .executeTakeFirst();
    },

    revokeApiKey: (input) =>
      db
        .updateTable('api_keys')
        .set({ revoked_at: sql<number>`coalesce(${sql.ref('revoked_at')}, ${input.now})` })
        .where('id', '=', input.keyId)
        .returningAll()
        .executeTakeFirst(),
  };
}

function toPrincipal(row: {
  id: number;
  prefix: string;
  team_id: number;
  agent_id: number | null;
  user_id: number | null;
  disabled_at: number | null | undefined;
}): Principal {
  return {
    keyId: row.id,
    keyPrefix: row.prefix,
    teamId: row.team_id,
    agentId: row.agent_id,
    userId: row.user_id,
    agentDisabled: row.disabled_at !== null && row.disabled_at !== undefined,
  };
}
