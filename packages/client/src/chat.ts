import type { CreateRealtimeSignalBody, RealtimeSignal } from '@agentmc/contract';
import { z } from 'zod';

// Chat over a realtime session, the way AgentMC agents talk to people: every chat message is a
// signal of type `message` whose payload says what kind of message it is. The person sends
// `chat.user`; the agent answers with `chat.agent.done` (the full reply), naming the request it
// answers. The API stores and relays these like any other signal; only the two ends read them.

/** The signal type that carries chat messages (and other application messages). */
export const MESSAGE_SIGNAL_TYPE = 'message';

/** Kinds of chat message. */
export const CHAT_USER = 'chat.user';
export const CHAT_AGENT_DONE = 'chat.agent.done';

/** The payload of a `message` signal that carries a chat message. */
export const ChatMessage = z
  .object({
    type: z.string().min(1),
    /** Ties a reply to the message it answers. */
    request_id: z.string().min(1).optional(),
    payload: z.object({ content: z.string() }).passthrough(),
  })
  .passthrough();
export type ChatMessage = z.infer<typeof ChatMessage>;

/**
 * The body of a signal carrying one chat message. Its idempotency key comes from the request id,
 * so sending the same message again (after a reconnect, a retry) never writes it twice.
 *
 * @example
 * await connection.send(chatSignal('chat.user', 'Hello?', { requestId: 'r-1' }));
 */
export function chatSignal(
  type: string,
  content: string,
  options: { requestId?: string; idempotencyKey?: string } = {},
): CreateRealtimeSignalBody & { payload: ChatMessage } {
  const requestId = options.requestId;
  return {
    type: MESSAGE_SIGNAL_TYPE,
    payload: {
      type,
      ...(requestId !== undefined ? { request_id: requestId } : {}),
      payload: { content },
    },
    ...(options.idempotencyKey !== undefined
      ? { idempotency_key: options.idempotencyKey }
      : requestId !== undefined
        ? { idempotency_key: `${type}:${requestId}` }
        : {}),
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
