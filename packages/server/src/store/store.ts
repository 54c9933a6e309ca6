import type { SessionStatus, SignalSender } from '@agentmc/contract';
import type { Agent, ApiKeyRow, SessionRow, SignalRow, Team, User } from './schema.js';
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
  /** `replayed`: the same claimer repeated a claim it had already won; nothing changed. */
  | { readonly kind: 'claimed'; readonly session: SessionRow; readonly replayed?: boolean }
  | { readonly kind: 'not_found' }
  | { readonly kind: 'other_agent' }
  /** `changed`: this claim is what marked the session expired. */
  | { readonly kind: 'expired'; readonly session: SessionRow; readonly changed?: boolean }
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

export interface AppendSignalInput {
  readonly sessionId: number;
  readonly sender: SignalSender;
  readonly type: string;
  /** Any JSON value the contract allows: an object, an array or null. */
  readonly payload: unknown;
  readonly idempotencyKey: string | null;
  readonly now: number;
  /** The session must be in one of these statuses; null for the server's own signals. */
  readonly openStatuses: readonly SessionStatus[] | null;
}

/** What sending a signal did: wrote it, found the first one with its key, or found no open session. */
export type AppendSignalOutcome =
  | { readonly kind: 'created'; readonly signal: SignalRow }
  | { readonly kind: 'replayed'; readonly signal: SignalRow }
  | { readonly kind: 'not_open'; readonly session: SessionRow | undefined };

/** One status change, decided by one conditional UPDATE. */
export interface TransitionInput {
  readonly sessionId: number;
  readonly from: readonly SessionStatus[];
  readonly to: SessionStatus;
  readonly now: number;
  /** Kept as the session's close reason when it ends. */
  readonly reason?: string | null;
  /** Only if the session is this agent's. */
  readonly agentId?: number;
}

/** The sweeper's deadlines: anything at or before them has waited too long. */
export interface SweepInput {
  readonly now: number;
  /** Claimed at or before this, and the agent never connected → failed. */
  readonly connectDeadline: number;
  /** Active, and the agent last heard from at or before this → failed. */
  readonly heartbeatDeadline: number;
}

/** Sessions the sweep ended, each reported by exactly one sweeper however many run. */
export interface SweepOutcome {
  readonly expired: SessionRow[];
  readonly neverConnected: SessionRow[];
  readonly heartbeatLost: SessionRow[];
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

  /** The person's own sessions, newest first. */
  listUserSessions(input: {
    userId: number;
    status?: SessionStatus | undefined;
    limit: number;
  }): Promise<SessionRow[]>;
  /** Changes a session's status if it is in one of `from`; undefined when it was not. */
  transitionSession(input: TransitionInput): Promise<SessionRow | undefined>;
  /** Notes that one side was heard from; never moves a heartbeat backwards. */
  recordHeartbeat(input: {
    sessionId: number;
    side: 'agent' | 'browser';
    now: number;
  }): Promise<void>;
  /** Ends abandoned sessions: expired requests, agents that never came or went silent. */
  sweepSessions(input: SweepInput): Promise<SweepOutcome>;

  /**
   * Writes a signal with the session's next seq, in one statement: of two concurrent writers
   * only one can take a seq, and the other retries with the next.
   */
  appendSignal(input: AppendSignalInput): Promise<AppendSignalOutcome>;
  /** Signals with an id above `afterId`, in seq order. */
  listSignals(input: { sessionId: number; afterId: number; limit: number }): Promise<SignalRow[]>;
  /** Signals with a seq above `afterSeq`, in seq order. */
  listSignalsAfterSeq(input: {
    sessionId: number;
    afterSeq: number;
    limit: number;
  }): Promise<SignalRow[]>;
  /** The session's newest signal, if any. */
  lastSignal(sessionId: number): Promise<{ id: number; seq: number } | undefined>;
  /** The highest seq among the session's signals with an id up to `signalId` (0: none). */
  seqThrough(input: { sessionId: number; signalId: number }): Promise<number>;

  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
