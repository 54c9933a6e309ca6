import {
  connectAgentSession,
  MESSAGE_SIGNAL_TYPE,
  type ReconnectOptions,
  type WebSocketConstructor,
} from '@agentmc/api';
import { echoChat, type MessageContext, type MessageHandler } from './message-handler.js';
import type { SessionHandler } from './session-handler.js';

/** The reason the agent gives when it closes its sessions because it is shutting down. */
export const AGENT_SHUTDOWN_REASON = 'agent_shutdown';

export interface RealtimeHandlerOptions {
  /** What to do with each `message` signal; default {@link echoChat}. */
  readonly messages?: MessageHandler | undefined;
  /** The WebSocket class for the session sockets; default `ws`. */
  readonly WebSocket?: WebSocketConstructor | undefined;
  /** The reconnect backoff of the session sockets. */
  readonly reconnect?: ReconnectOptions | undefined;
}

/**
 * The sample agent's default {@link SessionHandler}: after the claim it connects to the session's
 * websocket, resumes from the session's first signal (so nothing the person said before is
 * missed), hands each `message` signal from the other side to a {@link MessageHandler},
 * heartbeats, and reconnects with backoff and resume whenever the socket drops.
 *
 * It ends the session itself only on a deliberate shutdown: when the agent stops (SIGINT,
 * SIGTERM) it closes the session `closed` with reason `agent_shutdown`. A dropped socket never
 * closes it, and a crashed agent leaves it to the server, which fails it once the agent's
 * heartbeats stop.
 *
 * @example
 * createAgent({ api, handler: realtimeSessionHandler({ messages: echoChat }) });
 */
export function realtimeSessionHandler(options: RealtimeHandlerOptions = {}): SessionHandler {
  const messages = options.messages ?? echoChat;
  return {
    async onClaimed(claimed, { api, logger, signal: stopping }) {
      const fields = { session_id: claimed.id };
      const connection = connectAgentSession(api, claimed, {
        WebSocket: options.WebSocket,
        reconnect: options.reconnect,
      });
      connection.on('ready', (ready) =>
        logger.info('session.connected', {
          ...fields,
          status: ready.session.status,
          last_signal_id: ready.last_signal_id,
          resume_after_id: connection.lastSignalId,
        }),
      );
      connection.on('session', (session) =>
        logger.info('session.status', { ...fields, status: session.status }),
      );
      connection.on('reconnecting', (info) =>
        logger.warn('session.reconnecting', {
          ...fields,
          attempt: info.attempt,
          delay_ms: info.delayMs,
          code: info.code,
          reason: info.error?.message ?? info.reason,
        }),
      );
      connection.on('error', (error) =>
        logger.warn('session.socket_error', { ...fields, error: error.message }),
      );

      const done = new AbortController();
      void connection.closed.then(() => done.abort());
      const shutdown = async () => {
        done.abort();
        try {
          const result = await api.operations.closeAgentRealtimeSession({
            params: { path: { session: claimed.id } },
            body: { status: 'closed', reason: AGENT_SHUTDOWN_REASON },
          });
          if (result.error) {
            logger.warn('session.close_failed', { ...fields, status: result.status });
          } else {
            logger.info('session.closed', { ...fields, reason: AGENT_SHUTDOWN_REASON });
          }
        } catch (error) {
          logger.warn('session.close_failed', { ...fields, error: String(error) });
        } finally {
          await connection.close();
        }
      };
      let shuttingDown: Promise<void> | undefined;
      const onStop = () => void (shuttingDown ??= shutdown());
      stopping.addEventListener('abort', onStop, { once: true });
      if (stopping.aborted) onStop();

      const context: MessageContext = {
        get session() {
          return connection.session ?? claimed;
        },
        logger,
        send: (signal) => connection.send(signal, { signal: done.signal }),
        signal: done.signal,
      };
      try {
        for await (const signal of connection.signals()) {
          if (signal.type !== MESSAGE_SIGNAL_TYPE || signal.sender === 'agent') continue;
          try {
            await messages.onMessage(signal, context);
          } catch (error) {
            if (done.signal.aborted) continue;
            logger.error('message.handler_failed', {
              ...fields,
              signal_id: signal.id,
              error: error instanceof Error ? error.message : String(error),
            });
          }
        }
      } finally {
        stopping.removeEventListener('abort', onStop);
        await shuttingDown;
        const end = await connection.close();
        logger.info('session.disconnected', {
          ...fields,
          reason: end.reason,
          status: end.session?.status ?? null,
          ...(end.error ? { error: end.error.message } : {}),
        });
      }
    },
  };
}
