import type { Generated, Insertable, Selectable } from 'kysely';
import type { SessionStatus, SignalSender } from '@agentmc/contract';

/** Instants are stored as whole seconds since the epoch, the API's own precision. */
export type EpochSeconds = number;

export interface TeamsTable {
  id: Generated<number>;
  name: string;
  created_at: EpochSeconds;
}

export interface UsersTable {
  id: Generated<number>;
  team_id: number;
  name: string;
  created_at: EpochSeconds;
  /** Set when the operator removed the person: their keys and tokens stop working. */
  removed_at: EpochSeconds | null;
}

export interface AgentsTable {
  id: Generated<number>;
  team_id: number;
  name: string;
  disabled_at: EpochSeconds | null;
  created_at: EpochSeconds;
  /** The last time the agent was seen with a watch socket open (null: never). */
  last_seen_at: EpochSeconds | null;
}

export interface ApiKeysTable {
  id: Generated<number>;
  team_id: number;
  /** Exactly one of agent_id and user_id is set: the key's principal. */
  agent_id: number | null;
  user_id: number | null;
  /** The readable start of the key, to recognise it in listings; never enough to use it. */
  prefix: string;
  /** SHA-256 of the whole key, hex. The key itself is never stored. */
  key_hash: string;
  created_at: EpochSeconds;
  revoked_at: EpochSeconds | null;
}

/** A short-lived browser token for one person: only its SHA-256 is stored. */
export interface BrowserTokensTable {
  id: Generated<number>;
  team_id: number;
  user_id: number;
  /** The user key it was minted through: revoking the key ends the token. */
  key_id: number;
  token_hash: string;
  expires_at: EpochSeconds;
  created_at: EpochSeconds;
}

export interface RealtimeSessionsTable {
  id: Generated<number>;
  team_id: number;
  agent_id: number;
  requested_by_user_id: number | null;
  status: SessionStatus;
  claimed_at: EpochSeconds | null;
  opened_at: EpochSeconds | null;
  closed_at: EpochSeconds | null;
  expires_at: EpochSeconds | null;
  last_browser_heartbeat_at: EpochSeconds | null;
  last_agent_heartbeat_at: EpochSeconds | null;
  /** JSON text of the requester's object, or null. */
  meta: string | null;
  /** The claimer's Idempotency-Key, so that the same claimer can repeat its claim safely. */
  claim_key: string | null;
  close_reason: string | null;
  created_at: EpochSeconds;
  updated_at: EpochSeconds;
}

export interface RealtimeSignalsTable {
  id: Generated<number>;
  team_id: number;
  agent_id: number;
  session_id: number;
  /** 1, 2, 3, … per session, without gaps. */
  seq: number;
  sender: SignalSender;
  type: string;
  /** JSON text of the payload: an object, an array or `null`. */
  payload: string;
  idempotency_key: string | null;
  created_at: EpochSeconds;
}

/** The cross-process event log (see `EventLog`): short-lived, pruned after a minute. */
export interface RealtimeEventsTable {
  id: Generated<number>;
  /** The process that published the event, so that it skips its own when tailing. */
  origin: string;
  /** The event as JSON text. */
  payload: string;
  created_at: EpochSeconds;
}

export interface Database {
  teams: TeamsTable;
  users: UsersTable;
  agents: AgentsTable;
  api_keys: ApiKeysTable;
  browser_tokens: BrowserTokensTable;
  realtime_sessions: RealtimeSessionsTable;
  realtime_signals: RealtimeSignalsTable;
  realtime_events: RealtimeEventsTable;
}

export type SessionRow = Selectable<RealtimeSessionsTable>;
export type NewSession = Insertable<RealtimeSessionsTable>;
export type Team = Selectable<TeamsTable>;
export type User = Selectable<UsersTable>;
export type Agent = Selectable<AgentsTable>;
export type BrowserTokenRow = Selectable<BrowserTokensTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type SignalRow = Selectable<RealtimeSignalsTable>;
export type EventRow = Selectable<RealtimeEventsTable>;
