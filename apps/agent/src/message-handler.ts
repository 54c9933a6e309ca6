import {
  CHAT_AGENT_DELTA,
  CHAT_AGENT_DONE,
  CHAT_USER,
  chatSignal,
  readChatMessage,
  type AgentRealtimeSession,
  type OutgoingSignal,
  type RealtimeSignal,
} from '@agentmc/api';
import type { AgentLogger } from './logger.js';

/** What a {@link MessageHandler} gets along with each message. */
export interface MessageContext {
  /** The session as last seen. */
  readonly session: AgentRealtimeSession;
  readonly logger: AgentLogger;
  /**
   * Sends a signal on the session's socket and resolves once it is written. It waits while the
   * socket reconnects; the same idempotency key never writes a second signal.
   */
  send(this: void, signal: OutgoingSignal): Promise<RealtimeSignal>;
  /** Aborts when the session ends or the agent stops: cut long work short. */
  readonly signal: AbortSignal;
}

/**
 * What the sample agent does with each `message` signal of a session it holds: the seam where a
 * model, a tool or a workflow plugs in. Messages come one at a time, in `seq` order, each once
 * (a reconnect resumes after the last one handed over). A handler that throws is logged, and the
 * next message still comes.
 *
 * @example
 * const shout: MessageHandler = {
 *   async onMessage(signal, { send }) {
 *     const message = readChatMessage(signal);
 *     if (message?.type === 'chat.user') {
 *       await send(chatSignal('chat.agent.done', message.payload.content.toUpperCase(), {
 *         requestId: message.request_id,
 *       }));
 *     }
 *   },
 * };
 * createAgent({ api, handler: realtimeSessionHandler({ messages: shout }) });
 */
export interface MessageHandler {
  onMessage(signal: RealtimeSignal, context: MessageContext): void | Promise<void>;
}

/**
 * The default: an echo chat that streams, as AI chat UIs expect. Each `chat.user` message is
 * answered piece by piece, a `chat.agent.delta` per word (with its `index`), then a
 * `chat.agent.done` with the whole reply, all naming the same `request_id`. The idempotency keys
 * come from the message's signal id, so a message handled twice is still answered once.
 */
export const echoChat: MessageHandler = {
  async onMessage(signal, { send }) {
    const message = readChatMessage(signal);
    if (message?.type !== CHAT_USER) return;
    const requestId = message.request_id ?? `signal-${signal.id}`;
    const reply = message.payload.content;
    const pieces = reply.match(/\S+\s*|\s+/g) ?? [];
    for (const [index, piece] of pieces.entries()) {
      await send(
        chatSignal(CHAT_AGENT_DELTA, piece, {
          requestId,
          index,
          idempotencyKey: `reply:${signal.id}:${index}`,
        }),
      );
    }
    await send(
      chatSignal(CHAT_AGENT_DONE, reply, { requestId, idempotencyKey: `reply:${signal.id}` }),
    );
  },
};
