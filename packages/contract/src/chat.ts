import { z } from 'zod';
import type { CreateRealtimeSignalBody, RealtimeSignal } from './signal.js';

// Chat over a realtime session, the way AgentMC agents talk to people: every chat message is a
// signal of type `message` whose payload says what kind of message it is. The person sends
// `chat.user`; the agent streams its answer as `chat.agent.delta` pieces and ends it with
// `chat.agent.done` (the full reply), each naming the request it answers. The API stores and
// relays these like any other signal; only the two ends read them.

/** The signal type that carries chat messages (and other application messages). */
export const MESSAGE_SIGNAL_TYPE = 'message';

/** The chat message kinds this API knows. */
export const CHAT_MESSAGE_TYPES = ['chat.user', 'chat.agent.delta', 'chat.agent.done'] as const;
export type KnownChatMessageType = (typeof CHAT_MESSAGE_TYPES)[number];

export const CHAT_USER = 'chat.user' satisfies KnownChatMessageType;
export const CHAT_AGENT_DELTA = 'chat.agent.delta' satisfies KnownChatMessageType;
export const CHAT_AGENT_DONE = 'chat.agent.done' satisfies KnownChatMessageType;

/**
 * A chat message kind as a sender writes it: under `chat.` only the known kinds (a typo there
 * does not compile), anything else for an application's own kinds (`weather.card`).
 */
export type ChatMessageType<T extends string> = T extends `chat.${string}`
  ? KnownChatMessageType
  : T;

/** The payload of a `message` signal that carries a chat message. */
export const ChatMessage = z
  .object({
    type: z.string().min(1),
    /** Ties a reply (and each of its pieces) to the message it answers. */
    request_id: z.string().min(1).optional(),
    payload: z.object({ content: z.string() }).passthrough(),
  })
  .passthrough();
export type ChatMessage = z.infer<typeof ChatMessage>;

/**
 * The body of a signal carrying one chat message. Its idempotency key comes from the request id
 * (and, for a streamed piece, its index), so sending the same message again (after a reconnect,
 * a retry) never writes it twice.
 *
 * @example
 * await connection.send(chatSignal('chat.user', 'Hello?', { requestId: 'r-1' }));
 * await connection.send(chatSignal('chat.agent.delta', 'Hel', { requestId: 'r-1', index: 0 }));
 */
export function chatSignal<T extends string>(
  type: T & ChatMessageType<T>,
  content: string,
  options: { requestId?: string; idempotencyKey?: string; index?: number } = {},
): CreateRealtimeSignalBody & { payload: ChatMessage } {
  const { requestId, index } = options;
  const key =
    options.idempotencyKey ??
    (requestId !== undefined
      ? `${type}:${requestId}${index !== undefined ? `:${index}` : ''}`
      : undefined);
  return {
    type: MESSAGE_SIGNAL_TYPE,
    payload: {
      type,
      ...(requestId !== undefined ? { request_id: requestId } : {}),
      payload: { content, ...(index !== undefined ? { index } : {}) },
    },
    ...(key !== undefined ? { idempotency_key: key } : {}),
  };
}

/**
 * The chat message a signal carries, or undefined when it carries none (another signal type, or
 * a `message` of another shape).
 *
 * @example
 * const message = readChatMessage(signal);
 * if (message?.type === 'chat.agent.done') console.log(message.payload.content);
 */
export function readChatMessage(signal: RealtimeSignal): ChatMessage | undefined {
  if (signal.type !== MESSAGE_SIGNAL_TYPE) return undefined;
  const parsed = ChatMessage.safeParse(signal.payload);
  return parsed.success ? parsed.data : undefined;
}
