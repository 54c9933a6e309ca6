import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, createJsonLogger, realtimeSessionHandler } from '@agentmc/agent';
import { AgentMCApi, readChatMessage } from '@agentmc/api';
import { ensureBuilt, serverForTest, waitFor, world } from '@agentmc/testkit';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

// The web console in a real browser: Debian's Chromium driven by Playwright, against a real
// server that serves the built console at `/`, with the sample agent answering.

const webDir = fileURLToPath(new URL('..', import.meta.url));
/** Kept after the run: what the conversation looked like. */
export const SCREENSHOT = path.join(webDir, 'test-results', 'console-conversation.png');
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

beforeAll(() => ensureBuilt(webDir, 'dist/index.html'), 120_000);

/** A fresh Chromium profile, closed and removed after the test. */
async function browser(): Promise<{ context: BrowserContext; page: Page }> {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentmc-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1100, height: 760 },
  });
  cleanups.push(async () => {
    await context.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return { context, page };
}

describe.runIf(fs.existsSync(CHROMIUM))('the web console in Chromium', () => {
  it('signs in with a token, shows the agent online, chats with streamed replies, survives 3 s offline, closes', async () => {
    const server = await serverForTest({
      config: { webConsoleDir: path.join(webDir, 'dist') },
    });
    const { user, agent } = await world(server);

    // The sample agent, watching.
    const lines: string[] = [];
    const sample = new Agent({
      api: new AgentMCApi({ apiKey: agent.key, baseUrl: server.baseUrl }),
      logger: createJsonLogger({ level: 'info', write: (line) => lines.push(line) }),
      handler: realtimeSessionHandler(),
    });
    cleanups.push(() => sample.stop());
    void sample.start();
    await waitFor(() => expect(lines.some((l) => l.includes('"watch.ready"'))).toBe(true));

    // The web app's backend mints the page's token with the user's key.
    const minted = await fetch(`${server.baseUrl}/realtime/tokens`, {
      method: 'POST',
      headers: { 'X-Api-Key': user.key, 'Content-Type': 'application/json' },
      body: '{}',
    });
    const { data } = (await minted.json()) as { data: { token: string } };

    const { context, page } = await browser();
    const consoleErrors: string[] = [];
    const pageErrors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));

    await page.goto(`${server.origin}/#token=${encodeURIComponent(data.token)}`);
    // The token leaves the address bar once kept.
    await waitFor(() => expect(page.url()).toBe(`${server.origin}/`));

    // The sample agent is online.
    const agentItem = page.locator(`#agents li[data-agent-id="${agent.id}"]`);
    await agentItem.and(page.locator('[data-online="true"]')).waitFor();

    // Request a session; the agent claims it and connects: requested → claimed → active.
    await agentItem.getByRole('button', { name: 'Request session' }).click();
    await page.locator('#session-status[data-status="active"]').waitFor();
    await page.locator('#connection[data-state="open"]').waitFor();
    const statuses = await page.locator('.message[data-role="system"]').allTextContents();
    expect(statuses).toEqual(['Session claimed', 'Session active']);

    const say = async (text: string) => {
      await page.locator('#message').fill(text);
      await page.locator('#send').click();
    };
    const doneReplies = page.locator('.message[data-role="agent"][data-streaming="false"]');

    // Three messages, each streamed back piece by piece.
    const questions = [
      'Hello there, agent',
      'How are the builds today?',
      'Stream this back please',
    ];
    for (const [i, question] of questions.entries()) {
      await say(question);
      await waitFor(async () => expect(await doneReplies.count()).toBe(i + 1));
    }
    expect(consoleErrors, 'console errors before going offline').toEqual([]);

    // The network goes for 3 s: the page says it is reconnecting, and a message typed meanwhile
    // waits and goes once the network is back.
    await context.setOffline(true);
    await page.locator('#connection[data-state="reconnecting"]').waitFor();
    await say('Sent while offline');
    await page.waitForTimeout(3_000);
    await context.setOffline(false);
    await page.locator('#connection[data-state="open"]').waitFor();
    await waitFor(async () => expect(await doneReplies.count()).toBe(4));

    // Every message exactly once, in order, each reply streamed in its words.
    const asked = [...questions, 'Sent while offline'];
    expect(await page.locator('.message[data-role="user"]').allTextContents()).toEqual(asked);
    expect(await doneReplies.allTextContents()).toEqual(asked);
    const pieces = await doneReplies.evaluateAll((elements) =>
      elements.map((e) => Number((e as HTMLElement).dataset.pieces)),
    );
    expect(pieces).toEqual(asked.map((q) => q.split(' ').length));
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    // The record agrees: one chat.user and one chat.agent.done per message.
    const api = new AgentMCApi({ apiKey: user.key, baseUrl: server.baseUrl });
    const sessions = await api.operations.listRealtimeSessions();
    const sessionId = sessions.data!.data[0]!.id;
    const history = await api.operations.listRealtimeSignals({
      params: { path: { session: sessionId }, query: { limit: 200 } },
    });
    const kinds = history.data!.data.map((s) => readChatMessage(s)?.type);
    expect(kinds.filter((k) => k === 'chat.user')).toHaveLength(4);
    expect(kinds.filter((k) => k === 'chat.agent.done')).toHaveLength(4);

    // Close: the status reaches closed and the connection ends.
    await page.locator('#close-session').click();
    await page.locator('#session-status[data-status="closed"]').waitFor();
    await page.locator('#connection[data-state="closed"]').waitFor();
    expect(pageErrors).toEqual([]);
    // Offline, the browser itself logs the requests it could not make; nothing else.
    expect(
      consoleErrors.filter((e) => !/ERR_INTERNET_DISCONNECTED|WebSocket connection/.test(e)),
    ).toEqual([]);
  });
});
