import type { SessionStatus, SignalSender } from '@agentmc/contract';
import type { SqlDialect } from './migrations/index.js';
import type {
  Agent,
  ApiKeyRow,
  BrowserTokenRow,
  EventRow,
  SessionRow,
  SignalRow,
  Team,
  User,
} from './schema.js';

/** The caller behind an API key, as the auth layer needs it. */
export interface Principal {
  readonly keyId: number;
  /** The key's readable prefix (`amc_…`), safe to log. */
  readonly keyPrefix: string;
  readonly teamId: number;
  readonly agentId: number | null;
  readonly userId: number | null;
  /** Set when the key is an agent's and that agent is disabled. */
  readonly agentDisabled: boolean;
  /**
   * Set when the caller came with a browser token rather than a key: the token's id. `keyId` is
   * then the user key the token was minted through.
   */
  readonly browserTokenId?: number;
}

/** Teams, people, agents and their API keys. */
export interface IdentityStore {
  findPrincipalByKeyHash(keyHash: string): Promise<Principal | undefined>;
  /** The principal behind a key that is not revoked; undefined for a revoked or unknown key. */
  findPrincipalByKeyId(keyId: number): Promise<Principal | undefined>;
  /** The person behind a live browser token (unexpired, key not revoked, person not removed). */
  findPrincipalByTokenHash(input: {
    tokenHash: string;
    now: number;
  }): Promise<Principal | undefined>;
  /** Undefined when the key is revoked, not a user's, or its person removed. */
  createBrowserToken(input: {
    keyId: number;
    tokenHash: string;
    expiresAt: number;
    now: number;
  }): Promise<BrowserTokenRow | undefined>;
  /** The person's newest live key, which the operator's tokens are minted through. */
  latestUserKey(userId: number): Promise<ApiKeyRow | undefined>;
  /** Forgets tokens that expired before an instant. */
  pruneBrowserTokens(before: number): Promise<void>;
  /** Marks a person removed: their keys and tokens stop working; their sessions stay. */
  removeUser(input: { userId: number; now: number }): Promise<User | undefined>;
  /** The team's agents that can be asked for a session (not disabled), by id. */
  listTeamAgents(teamId: number): Promise<Agent[]>;
  /** Notes that these agents were seen online now. */
  markAgentsSeen(input: { agentIds: readonly number[]; now: number }): Promise<void>;
  createTeam(input: { name: string; now: number }): Promise<Team>;
  /** Undefined when the team does not exist. */
  createUser(input: { teamId: number; name: string; now: number }): Promise<User | undefined>;
  /** Undefined when the team does not exist. */
  createAgent(input: { teamId: number; name: string; now: number }): Promise<Agent | undefined>;
  listTeams(): Promise<Team[]>;
  listUsers(input: { teamId?: number | undefined }): Promise<User[]>;
  listAgents(input: { teamId?: number | undefined }): Promise<Agent[]>;
  /** Keys without their hash: id, prefix, owner, created and revoked. */
  listApiKeys(input: { teamId?: number | undefined }): Promise<ApiKeySummary[]>;
  findAgent(id: number): Promise<Agent | undefined>;
  findUser(id: number): Promise<User | undefined>;
  setAgentDisabled(input: {
    agentId: number;
    disabled: boolean;
    now: number;
  }): Promise<Agent | undefined>;
  /** Undefined when the key's owner does not exist. */
  createApiKey(input: {
    principal: { agentId: number } | { userId: number };
    prefix: string;
    keyHash: string;
    now: number;
  }): Promise<ApiKeyRow | undefined>;
  revokeApiKey(input: { keyId: number; now: number }): Promise<ApiKeyRow | undefined>;
}

/** A session that changed status, and the `session.status` signal written with the change. */
/** A key as an operator may see it: never its hash. */
export type ApiKeySummary = Omit<ApiKeyRow, 'key_hash'>;

export interface StatusChange {
  readonly session: SessionRow;
  /** Undefined only if a signal for this status already existed (it is written once). */
  readonly signal: SignalRow | undefined;
}

/** What a claim did: won it (the change and its signal in one transaction), or lost it. */
export type ClaimOutcome =
  | { readonly kind: 'claimed'; readonly change: StatusChange }
  /** The conditional UPDATE matched nothing; `session` is the row as it is now, if any. */
  | { readonly kind: 'lost'; readonly session: SessionRow | undefined };

export interface ClaimInput {
  readonly sessionId: number;
  readonly teamId: number;
  readonly agentId: number;
  readonly now: number;
  /** The claimer's Idempotency-Key, kept so that the same claimer can repeat its claim. */
  readonly claimKey: string | null;
  /** The reason the `session.status` signal gives. */
  readonly reason: string;
  /**
   * The API key the claimer came through, when the claim must also find it live and its agent
   * enabled: checked by the claim's own UPDATE, so that nothing can revoke it in between.
   */
  readonly keyId?: number | undefined;
}

export interface CreateSessionInput {
  readonly teamId: number;
  readonly agentId: number;
  readonly requestedByUserId: number | null;
  readonly meta: Record<string, unknown> | null;
  readonly expiresAt: number;
  readonly now: number;
}

/** One status change, decided by one conditional UPDATE, written with its status signal. */
export interface TransitionInput {
  readonly sessionId: number;
  readonly from: readonly SessionStatus[];
  readonly to: SessionStatus;
  readonly now: number;
  /** Why: the status signal's reason, and the session's close reason when it ends. */
  readonly reason: string;
  /** Only if the session is this agent's. */
  readonly agentId?: number;
  /** Only if the session's `expires_at` is at or before this instant. */
  readonly expiredBy?: number;
}

/** The sweeper's deadlines: anything at or before them has waited too long. */
export interface SweepInput {
  readonly now: number;
  /** Claimed at or before this, and the agent never connected → failed. */
  readonly connectDeadline: number;
  /** Active, and the agent last heard from at or before this → failed. */
  readonly heartbeatDeadline: number;
  /** The reasons each kind of ending gives. */
  readonly reasons: { expired: string; neverConnected: string; heartbeatLost: string };
}

/** Realtime sessions. Every status change is one conditional UPDATE plus its status signal. */
export interface SessionStore {
  /**
   * The agent's requested, unexpired sessions, newest first. With `keyId`, none unless that key
   * is live and the agent enabled, checked by the same statement.
   */
  listRequested(input: {
    agentId: number;
    now: number;
    limit: number;
    keyId?: number | undefined;
  }): Promise<SessionRow[]>;
  /** The person's own sessions, newest first. */
  listForUser(input: {
    userId: number;
    status?: SessionStatus | undefined;
    limit: number;
    /** Only sessions after this one in that order (the previous page's last). */
    before?: { createdAt: number; id: number } | undefined;
  }): Promise<SessionRow[]>;
  /** Creates a requested session, or returns undefined when the agent is not in the team. */
  create(input: CreateSessionInput): Promise<SessionRow | undefined>;
  find(id: number): Promise<SessionRow | undefined>;
  /**
   * The claim: of any number of concurrent claims exactly one matches `status = 'requested'`,
   * and it writes its status signal in the same transaction, so a crash never leaves a claimed
   * session without its signal.
   */
  claim(input: ClaimInput): Promise<ClaimOutcome>;
  /** Changes a session's status if it is in one of `from`; undefined when it was not. */
  transition(input: TransitionInput): Promise<StatusChange | undefined>;
  /** Notes that one side was heard from; never moves a heartbeat backwards. */
  recordHeartbeat(input: {
    sessionId: number;
    side: 'agent' | 'browser';
    now: number;
  }): Promise<void>;
  /**
   * Ends abandoned sessions: expired requests, agents that never came or went silent. Each row
   * leaves its status once, so of several sweepers exactly one reports it.
   */
  sweep(input: SweepInput): Promise<StatusChange[]>;
  /** How many sessions are in each status (the metrics' gauge); absent statuses have none. */
  countByStatus(): Promise<Partial<Record<SessionStatus, number>>>;
}

export interface AppendSignalInput {
  readonly sessionId: number;
  readonly sender: SignalSender;
  readonly type: string;
  /** Any JSON value the contract allows: an object, an array or null. */
  readonly payload: unknown;
  readonly idempotencyKey: string | null;
  readonly now: number;
  /** The session must be in one of these statuses. */
  readonly openStatuses: readonly SessionStatus[];
}

/** What sending a signal did: wrote it, found the first one with its key, or found no open session. */
export type AppendSignalOutcome =
  | { readonly kind: 'created'; readonly signal: SignalRow }
  | { readonly kind: 'replayed'; readonly signal: SignalRow }
  | { readonly kind: 'not_open'; readonly session: SessionRow | undefined };

/** The signals of sessions, each with a gap-free per-session `seq`. */
export interface SignalStore {
  /**
   * Writes a signal with the session's next seq, in one statement: of two concurrent writers
   * only one can take a seq, and the other retries with the next.
   */
  append(input: AppendSignalInput): Promise<AppendSignalOutcome>;
  /** Signals with an id above `afterId`, in seq order. */
  list(input: { sessionId: number; afterId: number; limit: number }): Promise<SignalRow[]>;
  /** Signals with a seq above `afterSeq`, in seq order. */
  listAfterSeq(input: { sessionId: number; afterSeq: number; limit: number }): Promise<SignalRow[]>;
  /** The session's newest signal, if any. */
  last(sessionId: number): Promise<{ id: number; seq: number } | undefined>;
  /** The highest seq among the session's signals with an id up to `signalId` (0: none). */
  seqThrough(input: { sessionId: number; signalId: number }): Promise<number>;
}

/**
 * A short-lived log of realtime events, for processes that share one database file and no
 * other channel (SQLite): each appends what it publishes and tails what the others did.
 */
export interface EventLog {
  /** Appends events in one transaction. */
  append(events: readonly { origin: string; payload: string; now: number }[]): Promise<void>;
  /** Events after `afterId` written by other origins, oldest first. */
  after(input: { afterId: number; exceptOrigin: string; limit: number }): Promise<EventRow[]>;
  /** The newest event's id (0: none). */
  lastId(): Promise<number>;
  /** Deletes events written before an instant. */
  prune(before: number): Promise<void>;
}

/**
 * Everything the server and the CLI persist, by aggregate. One implementation serves SQLite and
 * PostgreSQL; every state change is a single conditional statement, so replicas need no locks.
 */
export interface Store {
  readonly dialect: SqlDialect;
  readonly identity: IdentityStore;
  readonly sessions: SessionStore;
  readonly signals: SignalStore;
  readonly events: EventLog;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /** Counters for the metrics: statements that failed, and the connection pool's state. */
  stats(): StoreStats;
  close(): Promise<void>;
}

/** What the store tells the metrics about itself. */
export interface StoreStats {
  /** Statements that threw since the store opened (the database refused or was unreachable). */
  readonly statementErrors: number;
  /** The PostgreSQL pool; undefined on SQLite, which has one connection and no pool. */
  readonly pool:
    { readonly size: number; readonly idle: number; readonly waiting: number } | undefined;
}
