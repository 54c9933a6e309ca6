import type { Agent, ApiKeyRow, SessionRow, Team, User } from './schema.js';
import type { SqlDialect } from './migrations/index.js';

/** The caller behind an API key, as the auth layer needs it. */
export interface Principal {
  readonly keyId: number;
  readonly teamId: number;
  readonly agentId: number | null;
  readonly userId: number | null;
  /** Set when the key is an agent's and that agent is disabled. */
  readonly agentDisabled: boolean;
}

/** What a claim did, decided by one conditional UPDATE and, only on failure, one read. */
export type ClaimOutcome =
  | { readonly kind: 'claimed'; readonly session: SessionRow }
  | { readonly kind: 'not_found' }
  | { readonly kind: 'other_agent' }
  | { readonly kind: 'expired'; readonly session: SessionRow }
  | { readonly kind: 'not_claimable'; readonly session: SessionRow };

export interface ClaimInput {
  readonly sessionId: number;
  readonly teamId: number;
  readonly agentId: number;
  readonly now: number;
  /** The claimer's Idempotency-Key: the same key repeats a won claim instead of a 409. */
  readonly claimKey: string | null;
}

export interface CreateSessionInput {
  readonly teamId: number;
  readonly agentId: number;
  readonly requestedByUserId: number | null;
  readonly meta: Record<string, unknown> | null;
  readonly expiresAt: number;
  readonly now: number;
}

/**
 * Everything the server and the CLI persist. One implementation serves SQLite and PostgreSQL;
 * every state change is a single conditional statement, so replicas need no locks.
 */
export interface Store {
  readonly dialect: SqlDialect;

  findPrincipalByKeyHash(keyHash: string): Promise<Principal | undefined>;

  listRequestedSessions(input: {
    agentId: number;
    now: number;
    limit: number;
  }): Promise<SessionRow[]>;
  claimSession(input: ClaimInput): Promise<ClaimOutcome>;
  /** Creates a requested session, or returns undefined when the agent is not in the team. */
  createSession(input: CreateSessionInput): Promise<SessionRow | undefined>;
  findSession(id: number): Promise<SessionRow | undefined>;

  createTeam(input: { name: string; now: number }): Promise<Team>;
  createUser(input: { teamId: number; name: string; now: number }): Promise<User | undefined>;
  createAgent(input: { teamId: number; name: string; now: number }): Promise<Agent | undefined>;
  findAgent(id: number): Promise<Agent | undefined>;
  findUser(id: number): Promise<User | undefined>;
  setAgentDisabled(input: {
    agentId: number;
    disabled: boolean;
    now: number;
  }): Promise<Agent | undefined>;
  createApiKey(input: {
    principal: { agentId: number } | { userId: number };
    prefix: string;
    keyHash: string;
    now: number;
  }): Promise<ApiKeyRow | undefined>;
  revokeApiKey(input: { keyId: number; now: number }): Promise<ApiKeyRow | undefined>;

  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
