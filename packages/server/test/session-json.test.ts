import { describe, expect, it } from 'vitest';
import type { SessionStatus } from '@agentmc/contract';
import { SessionList, sessionResourceJson, toSessionResource } from '../src/sessions/resources.js';
import type { SessionRow } from '../src/store/schema.js';

const STATUSES: SessionStatus[] = ['requested', 'claimed', 'active', 'closed', 'failed', 'expired'];
const METAS: (Record<string, unknown> | null)[] = [
  null,
  {},
  { topic: 'billing', n: 1 },
  {
    text: 'quote " backslash \\ newline \n tab \t',
    emoji: '😀',
    accents: 'ünïcödé',
    ctl: '\u0001',
  },
  { nested: { list: [1, -0.5, 1e21, true, null, 'x'], deep: { a: { b: { c: [] } } } } },
  { ['__proto__']: 1, 'key with spaces': 'v', '': 'empty key' },
];

function row(i: number): SessionRow {
  const maybe = (n: number) => (i % 3 === 0 ? null : 1_700_000_000 + n * 37 + i);
  const meta = METAS[i % METAS.length]!;
  return {
    id: i + 1,
    team_id: 3,
    agent_id: 7 + (i % 2),
    requested_by_user_id: i % 4 === 0 ? null : 11,
    status: STATUSES[i % STATUSES.length]!,
    claimed_at: maybe(1),
    opened_at: maybe(2),
    closed_at: maybe(3),
    expires_at: maybe(4),
    last_browser_heartbeat_at: maybe(5),
    last_agent_heartbeat_at: maybe(6),
    meta: meta === null ? null : JSON.stringify(meta),
    claim_key: null,
    close_reason: null,
    created_at: 1_700_000_000 + i,
    updated_at: 1_700_000_100 + i,
  };
}

describe('a session written as JSON straight from its row', () => {
  it('is byte for byte JSON.stringify of its resource, whatever its nulls, status and meta', () => {
    for (let i = 0; i < 72; i++) {
      const r = row(i);
      expect(sessionResourceJson(r)).toBe(JSON.stringify(toSessionResource(r)));
    }
  });

  it('writes a list as the {"data": [...]} body the list route answers', () => {
    const rows = Array.from({ length: 20 }, (_, i) => row(i));
    const list = new SessionList(rows);
    expect(list.dataJson()).toBe(JSON.stringify({ data: rows.map(toSessionResource) }));
    expect(new SessionList([]).dataJson()).toBe('{"data":[]}');
    expect(list.resources()).toEqual(rows.map(toSessionResource));
  });
});
