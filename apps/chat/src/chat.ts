import readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import {
  CHAT_USER,
  chatSignal,
  connectPersonSession,
  isEndedStatus,
  type AgentMCApi,
  type AgentRealtimeSession,
  type WebSocketConstructor,
} from '@agentmc/api';
import { Transcript } from './transcript.js';

export interface ChatOptions {
  /** A person's client (a user key). */
  readonly api: AgentMCApi;
  /** The agent to talk to. */
  readonly agentId: number;
  /** Each line is one message; its end (Ctrl-D) ends the chat. */
  readonly input: Readable;
  /** The agent's replies and what happens to the session, one line each. */
  readonly output: Writable;
  /** Aborting (Ctrl-C) ends the chat at once. */
  readonly signal?: AbortSignal | undefined;
  /** After the input ends, how long replies still due may take before the session closes (ms). */
  readonly drainMs?: number | undefined;
  readonly WebSocket?: WebSocketConstructor | undefined;
}

/** How the chat went. */
export interface ChatResult {
  /** The session as it ended. */
  readonly session: AgentRealtimeSession;
  /** Messages sent, and replies received. */
  readonly sent: number;
  readonly replies: number;
}

/** The chat could not happen: the request was refused, or no agent took the session. */
export class ChatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChatError';
  }
}

/**
 * The person's side of a realtime session, in a terminal: requests a session with the agent,
 * waits for the claim (the session's socket says when), then sends each input line as a
 * `chat.user` message and writes the agent's `chat.agent.done` replies. The end of the input
 * (once the replies still due are in) or `signal` closes the session `closed`; a session the
 * other side ends ends the chat. Rejects with {@link ChatError} when it cannot start.
 *
 * @example
 * const api = new AgentMCApi({ apiKey: process.env.AGENTMC_API_KEY });
 * await runChat({ api, agentId: 3, input: process.stdin, output: process.stdout });
 */
export async function runChat(options: ChatOptions): Promise<ChatResult> {
  const { api, agentId } = options;
  const say = (line: string) => options.output.write(`${line}\n`);
  const stop = options.signal ?? new AbortController().signal;

  const created = await api.operations.createRealtimeSession({ body: { agent_id: agentId } });
  if (created.error) {
    const { code, message } = created.error.error;
    throw new ChatError(`could not request a session (${created.status} ${code}: ${message})`);
  }
  const requested = created.data.data;
  const sessionId = requested.id;
  say(`· session ${sessionId} requested; waiting for agent ${agentId} to claim it…`);

  const transcript = new Transcript(say);
  const connection = connectPersonSession(api, requested, { WebSocket: options.WebSocket });
  connection.on('signal', (signal) => transcript.show(signal));
  // A socket ends with its session, and may miss the last signals then: read them over HTTP.
  const catchUp = async () => {
    for (;;) {
      const page = await api.operations.listRealtimeSignals({
        params: {
          path: { session: sessionId },
          query: { after_id: transcript.lastId, limit: 200 },
        },
      });
      if (page.error) return;
      for (const signal of page.data.data) transcript.show(signal);
      if (page.data.data.length < 200) return;
    }
  };
  const socketEnded = connection.closed.then(async (end) => {
    await catchUp();
    return end;
  });
  let sent = 0;

  try {
    // The claim shows in the stream as a status signal, after everything said before it.
    const outcome = await Promise.race([
      transcript.until(() => transcript.status !== 'requested').then(() => 'status' as const),
      socketEnded,
      aborted(stop).then(() => 'stopped' as const),
    ]);
    if (outcome === 'stopped') return await finish();
    if (transcript.status === 'requested' || isEndedStatus(transcript.status)) {
      const why =
        typeof outcome === 'object' && outcome.reason === 'refused'
          ? `its socket was refused (${outcome.error?.message ?? 'no reason given'})`
          : `it is ${transcript.status}${transcript.status === 'expired' ? ' (nobody claimed it in time; is the agent running?)' : ''}`;
      throw new ChatError(`no agent took the session: ${why}`);
    }
    say('· type a message and press Enter; Ctrl-D or Ctrl-C ends the chat');

    const lines = readline.createInterface({ input: options.input, crlfDelay: Infinity });
    const inputEnded = new Promise<void>((resolve) => lines.once('close', resolve));
    let sending: Promise<unknown> = Promise.resolve();
    lines.on('line', (line) => {
      const text = line.trim();
      if (!text) return;
      const requestId = `${sessionId}-${++sent}`;
      transcript.due.add(requestId);
      // One at a time, in the order typed.
      sending = sending.then(() =>
        connection.send(chatSignal(CHAT_USER, text, { requestId })).catch((error: unknown) => {
          transcript.due.delete(requestId);
          say(`· not sent: ${error instanceof Error ? error.message : String(error)}`);
        }),
      );
    });
    await Promise.race([inputEnded, socketEnded, aborted(stop)]);
    lines.close();
    if (!stop.aborted && connection.state !== 'closed') {
      // The input ended: wait for the replies still due, then close.
      await sending;
      await Promise.race([
        transcript.until(() => transcript.due.size === 0),
        socketEnded,
        aborted(stop),
        delay(options.drainMs ?? 30_000),
      ]);
    }
    return await finish();
  } finally {
    await connection.close();
  }

  /** Closes the session unless it has ended already, and reports how it ended. */
  async function finish(): Promise<ChatResult> {
    if (connection.state !== 'closed') {
      await api.operations.closeRealtimeSession({
        params: { path: { session: sessionId } },
        body: { status: 'closed' },
      });
      // The socket ends with the session; if it is slow, the catch-up below shows the rest.
      await Promise.race([connection.closed, delay(2_000)]);
    }
    await connection.close();
    await catchUp();
    const read = await api.operations.getRealtimeSession({
      params: { path: { session: sessionId } },
    });
    const session = read.data?.data ?? connection.session ?? requested;
    return { session, sent, replies: transcript.replies };
  }
}

function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) =>
    signal.addEventListener('abort', () => resolve(), { once: true }),
  );
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
