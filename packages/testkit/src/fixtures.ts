import { generateApiKey, systemClock, type Clock, type Store } from '@agentmc/server';

// The only module of the testkit that calls the server's store: every row a test makes is made
// here, the way the admin CLI makes it. When the store's interface changes, this file changes.

export interface Team {
  readonly id: number;
}

/** A person or an agent, with one API key. */
export interface Principal {
  readonly id: number;
  readonly key: string;
  readonly keyId: number;
}

export interface Fixtures {
  team(name?: string): Promise<Team>;
  user(teamId: number, name?: string): Promise<Principal>;
  agent(teamId: number, name?: string): Promise<Principal>;
  /** Another key for an existing agent (a second process of the same agent). */
  agentKey(agentId: number): Promise<{ key: string; keyId: number }>;
  /** A requested session, straight in the store. */
  session(input: {
    agentId: number;
    userId?: number | null;
    ttlSeconds?: number;
    meta?: Record<string, unknown> | null;
    now?: number;
  }): Promise<{ id: number }>;
  /**
   * A signal written straight in the store, whatever the session's status, with the session's
   * next seq: what the store did (`created`, or `replayed` for a repeated idempotency key).
   */
  signal(input: {
    sessionId: number;
    sender: 'browser' | 'agent' | 'system';
    type: string;
    payload: unknown;
    idempotencyKey?: string | null;
    now?: number;
  }): Promise<{ kind: 'created' | 'replayed' | 'not_open' }>;
  /** Disables an agent, as `pnpm admin agent disable` does. */
  disableAgent(agentId: number): Promise<void>;
  /** Revokes a key, as `pnpm admin key revoke` does. */
  revokeKey(keyId: number): Promise<void>;
  /** Removes a person, as `pnpm admin user remove` does. */
  removeUser(userId: number): Promise<void>;
}

/** Creates teams, people, agents, keys and sessions the way the admin CLI does. */
export function fixtures(store: Store, clock: Clock = systemClock): Fixtures {
  let counter = 0;
  const key = async (principal: { agentId: number } | { userId: number }) => {
    const generated = generateApiKey();
    const row = await store.identity.createApiKey({
      principal,
      prefix: generated.prefix,
      keyHash: generated.hash,
      now: clock(),
    });
    if (!row) throw new Error('fixture: key owner missing');
    return { key: generated.key, keyId: row.id };
  };
  return {
    team: (name = `team-${++counter}`) => store.identity.createTeam({ name, now: clock() }),
    async user(teamId, name = `user-${++counter}`) {
      const user = await store.identity.createUser({ teamId, name, now: clock() });
      if (!user) throw new Error('fixture: team missing');
      return { id: user.id, ...(await key({ userId: user.id })) };
    },
    async agent(teamId, name = `agent-${++counter}`) {
      const agent = await store.identity.createAgent({ teamId, name, now: clock() });
      if (!agent) throw new Error('fixture: team missing');
      return { id: agent.id, ...(await key({ agentId: agent.id })) };
    },
    agentKey: (agentId) => key({ agentId }),
    async session({ agentId, userId = null, ttlSeconds = 600, meta = null, now = clock() }) {
      const agent = await store.identity.findAgent(agentId);
      if (!agent) throw new Error('fixture: agent missing');
      const session = await store.sessions.create({
        teamId: agent.team_id,
        agentId,
        requestedByUserId: userId,
        meta,
        expiresAt: now + ttlSeconds,
        now,
      });
      if (!session) throw new Error('fixture: session not created');
      return { id: session.id };
    },
    async signal({ sessionId, sender, type, payload, idempotencyKey = null, now = clock() }) {
      const outcome = await store.signals.append({
        sessionId,
        sender,
        type,
        payload,
        idempotencyKey,
        now,
        // Any status: a fixture writes what a test needs, whatever the session's state.
        openStatuses: ['requested', 'claimed', 'active', 'closed', 'failed', 'expired'],
      });
      return { kind: outcome.kind };
    },
    async disableAgent(agentId) {
      const agent = await store.identity.setAgentDisabled({
        agentId,
        disabled: true,
        now: clock(),
      });
      if (!agent) throw new Error('fixture: agent missing');
    },
    async revokeKey(keyId) {
      const revoked = await store.identity.revokeApiKey({ keyId, now: clock() });
      if (!revoked) throw new Error('fixture: key missing');
    },
    async removeUser(userId) {
      const removed = await store.identity.removeUser({ userId, now: clock() });
      if (!removed) throw new Error('fixture: user missing');
    },
  };
}
