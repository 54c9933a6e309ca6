import { inspect, manualClock, storeKinds, waitFor } from '@agentmc/testkit';
import { describe, expect, it } from 'vitest';
import { ChatError, runChat } from '../src/index.js';
import { terminal, useWorld } from './helpers.js';

describe.each(await storeKinds())('runChat against the sample agent (%s)', (kind) => {
  const world = useWorld();

  it('requests, waits for the claim, sends each line, prints each reply, closes at the end', async () => {
    const w = await world({ kind });
    await w.startAgent();
    const term = terminal();
    term.type('hello');
    term.type('   ');
    term.type('how are you?');
    term.input.end();

    const result = await runChat({ api: w.api, agentId: w.agent.id, ...term });
    expect(result).toMatchObject({ sent: 2, replies: 2, session: { status: 'closed' } });
    const prompt = '· type a message and press Enter; Ctrl-D or Ctrl-C ends the chat';
    // The prompt comes once the claim shows; the agent may connect before or after it.
    expect(term.lines.indexOf(prompt)).toBeGreaterThan(
      term.lines.indexOf('· session claimed (claimed)'),
    );
    expect(term.lines.filter((line) => line !== prompt)).toEqual([
      `· session ${result.session.id} requested; waiting for agent ${w.agent.id} to claim it…`,
      '· session claimed (claimed)',
      '· session active (agent_connected)',
      'agent> hello',
      'agent> how are you?',
      '· session closed (closed_by_user)',
    ]);
    const stored = await inspect(w.server.database).session(result.session.id);
    expect(stored).toMatchObject({ status: 'closed', requested_by_user_id: w.user.id });
    expect(stored?.closed_at).not.toBeNull();
  });

  it('ends when the agent shuts down, with the reason it gave', async () => {
    const w = await world({ kind });
    const agent = await w.startAgent();
    const term = terminal();
    const chat = runChat({ api: w.api, agentId: w.agent.id, ...term });
    term.type('ping');
    await waitFor(() => expect(term.text, 'the reply').toContain('agent> ping'));
    await agent.stop();
    const result = await chat;
    expect(result.session.status).toBe('closed');
    expect(term.lines.at(-1)).toBe('· session closed (agent_shutdown)');
  });
});

describe('runChat without an agent', () => {
  const world = useWorld();

  it('Ctrl-C while waiting for the claim closes the requested session', async () => {
    const w = await world();
    const term = terminal();
    const stop = new AbortController();
    const chat = runChat({ api: w.api, agentId: w.agent.id, ...term, signal: stop.signal });
    await waitFor(() => expect(term.text, 'the request').toContain('requested'));
    stop.abort();
    const result = await chat;
    expect(result).toMatchObject({ sent: 0, session: { status: 'closed' } });
    expect(term.lines.at(-1)).toBe('· session closed (closed_by_user)');
  });

  it('a request nobody claims in time fails with ChatError', async () => {
    const clock = manualClock();
    const w = await world({ clock });
    const term = terminal();
    const chat = runChat({ api: w.api, agentId: w.agent.id, ...term });
    await waitFor(() => expect(term.text, 'the request').toContain('requested'));
    clock.advance(601);
    await w.server.sweep();
    const error = await chat.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChatError);
    expect((error as Error).message).toMatch(/it is expired \(nobody claimed it in time/);
    expect(term.lines.at(-1)).toBe('· session expired (request_expired)');
  });

  it('an agent the person cannot see: ChatError with the API’s answer', async () => {
    const w = await world();
    const term = terminal();
    await expect(runChat({ api: w.api, agentId: 999, ...term })).rejects.toThrow(
      /could not request a session \(404 resource\.not_found/,
    );
  });
});
