import { SEED_INSTANT, expectError, fieldErrors, storeKinds } from '@agentmc/testkit';
import { describe, expect, it } from 'vitest';
import { useWorld } from './helpers.js';

describe.each(await storeKinds())(
  'GET /realtime/sessions: the person’s sessions, a page at a time (%s)',
  (kind) => {
    const world = useWorld(kind, {}, { shared: true });

    /** Every page from the first, following next_cursor. */
    async function allPages(key: string, query: string) {
      const { api } = world();
      const pages: { data: { id: number; status: string }[]; next_cursor: string | null }[] = [];
      let cursor: string | null = null;
      do {
        const url: string = `/realtime/sessions?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const reply = await api.get(url, { key });
        expect(reply.status).toBe(200);
        expect(Object.keys(reply.body)).toEqual(['data', 'next_cursor']);
        pages.push(reply.body);
        cursor = reply.body.next_cursor;
      } while (cursor !== null);
      return pages;
    }

    it('pages past 100 with next_cursor: every session once, newest first, null on the last page', async () => {
      const { server, agent, user } = world();
      // 250 sessions, several to a second, so that the order needs the id as well as the time.
      const ids: number[] = [];
      for (let i = 0; i < 250; i++) {
        const { id } = await server.fixtures.session({
          agentId: agent.id,
          userId: user.id,
          now: SEED_INSTANT + Math.floor(i / 7),
        });
        ids.push(id);
      }
      // Someone else's sessions never show.
      const other = await server.fixtures.user(world().team.id);
      await server.fixtures.session({ agentId: agent.id, userId: other.id });

      const pages = await allPages(user.key, 'limit=100');
      expect(pages.map((p) => p.data.length)).toEqual([100, 100, 50]);
      expect(pages.map((p) => p.next_cursor === null)).toEqual([false, false, true]);
      expect(pages.flatMap((p) => p.data.map((s) => s.id))).toEqual([...ids].reverse());
    });

    it('keeps the status filter across pages, and a short last page has no cursor', async () => {
      const { server, agent, user, api } = world();
      for (let i = 0; i < 5; i++) {
        await server.fixtures.session({ agentId: agent.id, userId: user.id });
      }
      const claimed = await server.fixtures.session({ agentId: agent.id, userId: user.id });
      await api.post(`/agents/realtime/sessions/${claimed.id}/claim`, { key: agent.key, json: {} });

      const pages = await allPages(user.key, 'limit=2&status=requested');
      expect(pages.map((p) => p.data.length)).toEqual([2, 2, 1]);
      expect(pages.flatMap((p) => p.data).every((s) => s.status === 'requested')).toBe(true);

      const whole = await api.get('/realtime/sessions?limit=20', { key: user.key });
      expect(whole.body).toMatchObject({ next_cursor: null });
      expect(whole.body.data).toHaveLength(6);
    });

    it('refuses a cursor it did not give with a 422 on cursor', async () => {
      const { api, user } = world();
      for (const cursor of ['nope', 'MTIzNDU', Buffer.from('1:2:3').toString('base64url'), '']) {
        const reply = await api.get(`/realtime/sessions?cursor=${cursor}`, { key: user.key });
        expectError(reply, 422, 'validation.failed');
        expect(Object.keys(fieldErrors(reply))).toEqual(['cursor']);
      }
    });
  },
);
