import type { AgentRealtimeSession, RealtimeSignal } from '@agentmc/contract';
import { formatNullableTimestamp, formatTimestamp } from '../lib/clock.js';
import type { SessionRow, SignalRow } from '../store/schema.js';

/** A stored session as the API shows it: the 14 fields, in the contract's order. */
export function toSessionResource(row: SessionRow): AgentRealtimeSession {
  return {
    id: row.id,
    team_id: row.team_id,
    agent_id: row.agent_id,
    requested_by_user_id: row.requested_by_user_id,
    status: row.status,
    claimed_at: formatNullableTimestamp(row.claimed_at),
    opened_at: formatNullableTimestamp(row.opened_at),
    closed_at: formatNullableTimestamp(row.closed_at),
    expires_at: formatNullableTimestamp(row.expires_at),
    last_browser_heartbeat_at: formatNullableTimestamp(row.last_browser_heartbeat_at),
    last_agent_heartbeat_at: formatNullableTimestamp(row.last_agent_heartbeat_at),
    meta: row.meta === null ? null : (JSON.parse(row.meta) as Record<string, unknown>),
    created_at: formatTimestamp(row.created_at),
    updated_at: formatTimestamp(row.updated_at),
  };
}

/** A stored signal as the API shows it. */
export function toSignalResource(row: SignalRow): RealtimeSignal {
  return {
    id: row.id,
    seq: row.seq,
    team_id: row.team_id,
    agent_id: row.agent_id,
    session_id: row.session_id,
    sender: row.sender,
    type: row.type,
    payload: JSON.parse(row.payload) as RealtimeSignal['payload'],
    created_at: formatTimestamp(row.created_at),
  };
}

const quotedTimestamp = (epochSeconds: number | null) =>
  epochSeconds === null ? 'null' : `"${formatTimestamp(epochSeconds)}"`;

/**
 * The JSON text of `JSON.stringify(toSessionResource(row))`, written straight from the row: the
 * agent's list answers up to 100 of these on every poll, and building each as an object, parsing
 * its stored `meta` only to serialise it again, then serialising the page, was most of the list's
 * time outside SQLite. Byte for byte the same text (a test holds it to that). `meta` is embedded as
 * stored: the store writes it with JSON.stringify, and never anything else.
 */
export function sessionResourceJson(row: SessionRow): string {
  return (
    `{"id":${row.id},"team_id":${row.team_id},"agent_id":${row.agent_id},` +
    `"requested_by_user_id":${row.requested_by_user_id},"status":"${row.status}",` +
    `"claimed_at":${quotedTimestamp(row.claimed_at)},"opened_at":${quotedTimestamp(row.opened_at)},` +
    `"closed_at":${quotedTimestamp(row.closed_at)},"expires_at":${quotedTimestamp(row.expires_at)},` +
    `"last_browser_heartbeat_at":${quotedTimestamp(row.last_browser_heartbeat_at)},` +
    `"last_agent_heartbeat_at":${quotedTimestamp(row.last_agent_heartbeat_at)},` +
    `"meta":${row.meta ?? 'null'},"created_at":${quotedTimestamp(row.created_at)},` +
    `"updated_at":${quotedTimestamp(row.updated_at)}}`
  );
}

/** A list of sessions as read, for the caller to take as resources or as the `{"data": [...]}` text. */
export class SessionList {
  constructor(private readonly rows: readonly SessionRow[]) {}

  get length(): number {
    return this.rows.length;
  }

  resources(): AgentRealtimeSession[] {
    return this.rows.map(toSessionResource);
  }

  /** `JSON.stringify({ data: this.resources() })`, without building them. */
  dataJson(): string {
    return `{"data":[${this.rows.map(sessionResourceJson).join(',')}]}`;
  }
}
