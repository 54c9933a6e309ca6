import type { ZodType } from 'zod';
import { zodToJsonSchema } from 'zod-to-json-schema';
import { API_BASE_PATH } from './contract.js';
import { SUCCESS_EXAMPLES } from './examples.js';
import {
  ClientSignalFrame,
  ErrorFrame,
  PingFrame,
  PongFrame,
  ResumeFrame,
  SOCKET_CLOSE_CODES,
  SessionFrame,
  SessionReadyFrame,
  SessionRequestedFrame,
  SignalFrame,
  WatchReadyFrame,
} from './realtime-frames.js';
import { REALTIME_SOCKET_PATHS, TICKET_QUERY_PARAM } from './realtime.js';

/** An AsyncAPI 3 document, as plain JSON. */
export type AsyncApiDocument = Record<string, unknown> & { asyncapi: '3.0.0' };

/** A JSON Schema (draft 7, which AsyncAPI schemas extend) of one frame. */
function jsonSchema(schema: ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = zodToJsonSchema(schema, {
    target: 'jsonSchema7',
    $refStrategy: 'none',
    // The frame a client sends is what it writes (before defaults), not what the server reads.
    effectStrategy: 'input',
  }) as Record<string, unknown>;
  return rest;
}

interface FrameSpec {
  readonly schema: ZodType;
  readonly title: string;
  readonly summary: string;
  readonly example: unknown;
}

const sessionExample = (
  SUCCESS_EXAMPLES.claimAgentRealtimeSession.body as { data: Record<string, unknown> }
).data;
const { socket: _socket, ...session } = sessionExample;
const signal = (SUCCESS_EXAMPLES.createRealtimeSignal.body as { data: Record<string, unknown> })
  .data;

/** Every frame of both sockets, keyed by the message name the document gives it. */
const FRAMES = {
  resume: {
    schema: ResumeFrame,
    title: 'resume',
    summary:
      'Client → server. Restart the signal stream just after the signal `after_id` (0: from the first): catch-up from storage, then live, each signal once, in `seq` order.',
    example: { type: 'resume', after_id: 1200 },
  },
  clientSignal: {
    schema: ClientSignalFrame,
    title: 'signal (client)',
    summary:
      'Client → server. Send one signal, with the body of an HTTP signal post. A repeated `idempotency_key` returns the first signal instead of writing a twin.',
    example: {
      type: 'signal',
      signal: { type: 'message', payload: { text: 'Hello' }, idempotency_key: 'msg-7f3a' },
    },
  },
  ping: {
    schema: PingFrame,
    title: 'ping',
    summary:
      'Client → server. A heartbeat (any frame is one); the server answers `pong` with the same `nonce`.',
    example: { type: 'ping', nonce: 'n-1' },
  },
  sessionReady: {
    schema: SessionReadyFrame,
    title: 'ready (session)',
    summary:
      'Server → client, first on a session socket: which side this socket speaks for, the session, its newest signal, and how often to ping.',
    example: {
      type: 'ready',
      role: 'agent',
      session,
      last_signal_id: 1200,
      last_seq: 2,
      heartbeat_interval_seconds: 25,
    },
  },
  serverSignal: {
    schema: SignalFrame,
    title: 'signal (server)',
    summary:
      'Server → client. One signal of the session, in `seq` order, exactly once; on the sender’s socket with its `idempotency_key`.',
    example: { type: 'signal', signal },
  },
  session: {
    schema: SessionFrame,
    title: 'session',
    summary: `Server → client. The session after a status change; once it has ended the server closes the socket with ${SOCKET_CLOSE_CODES.sessionEnded}.`,
    example: { type: 'session', session: { ...session, status: 'active' } },
  },
  error: {
    schema: ErrorFrame,
    title: 'error',
    summary:
      'Server → client. A refused frame or a failure, with the code and message of the HTTP error envelope; the socket stays open.',
    example: {
      type: 'error',
      error: { code: 'rate_limited', message: 'Too many signals.' },
      idempotency_key: 'msg-7f3a',
    },
  },
  pong: {
    schema: PongFrame,
    title: 'pong',
    summary: 'Server → client. The answer to a `ping`, with its `nonce`.',
    example: { type: 'pong', nonce: 'n-1' },
  },
  watchReady: {
    schema: WatchReadyFrame,
    title: 'ready (watch)',
    summary:
      'Server → agent, first on a watch socket: whose requested sessions follow, and how often to ping.',
    example: { type: 'ready', agent_id: 7, heartbeat_interval_seconds: 25 },
  },
  sessionRequested: {
    schema: SessionRequestedFrame,
    title: 'session.requested',
    summary:
      'Server → agent. A session was requested for this agent (on open: each one still waiting): claim it over HTTP.',
    example: { type: 'session.requested', session },
  },
} satisfies Record<string, FrameSpec>;
type FrameName = keyof typeof FRAMES;

/** Which frames travel on which socket, in which direction (from the server’s point of view). */
const CHANNELS = {
  session: {
    path: REALTIME_SOCKET_PATHS.session,
    title: 'A session’s socket',
    description: `Both sides of one session, after the claim. Open the \`socket.url\` of the claim's (agent) or the request's (person) answer: it carries a short-lived ticket for one principal and this session as \`?${TICKET_QUERY_PARAM}=\`. The server sends \`ready\`; the client sends \`resume\`, then \`signal\` frames and a \`ping\` at the interval \`ready\` names. Close codes: ${SOCKET_CLOSE_CODES.sessionEnded} the session ended, ${SOCKET_CLOSE_CODES.goingAway} the server is shutting down (reconnect with a fresh ticket and resume), ${SOCKET_CLOSE_CODES.tooSlow} the client read too slowly, 1009 a frame too large.`,
    receive: ['resume', 'clientSignal', 'ping'],
    send: ['sessionReady', 'serverSignal', 'session', 'error', 'pong'],
  },
  watch: {
    path: REALTIME_SOCKET_PATHS.watch,
    title: 'An agent’s watch socket',
    description: `Pushes each session requested for the agent the moment it is requested. Open the \`url\` of \`POST /api/v1/agents/realtime/watch\`'s answer (a ticket as \`?${TICKET_QUERY_PARAM}=\`). Keep polling the requested list only to reconcile.`,
    receive: ['ping'],
    send: ['watchReady', 'sessionRequested', 'error', 'pong'],
  },
} satisfies Record<
  string,
  {
    path: string;
    title: string;
    description: string;
    receive: FrameName[];
    send: FrameName[];
  }
>;

/**
 * The AsyncAPI 3 document of the websockets (the half of the API after the claim), generated
 * from the contract's frame schemas: the session socket and the agent's watch socket, every frame
 * each side sends, with an example of each.
 *
 * @example
 * app.get('/api/v1/asyncapi.json', (_req, res) => res.json(createAsyncApiDocument()));
 */
export function createAsyncApiDocument(options: { version?: string } = {}): AsyncApiDocument {
  const messages = Object.fromEntries(
    Object.entries(FRAMES).map(([name, frame]) => [
      name,
      {
        name,
        title: frame.title,
        summary: frame.summary,
        contentType: 'application/json',
        payload: { $ref: `#/components/schemas/${name}` },
        examples: [{ name, payload: frame.example }],
      },
    ]),
  );
  const schemas = Object.fromEntries(
    Object.entries(FRAMES).map(([name, frame]) => [name, jsonSchema(frame.schema)]),
  );
  const channels = Object.fromEntries(
    Object.entries(CHANNELS).map(([name, channel]) => {
      const frames = [...new Set<FrameName>([...channel.receive, ...channel.send])];
      return [
        name,
        {
          address: channel.path.replace(/:(\w+)/g, '{$1}'),
          title: channel.title,
          description: channel.description,
          messages: Object.fromEntries(
            frames.map((frame) => [frame, { $ref: `#/components/messages/${frame}` }]),
          ),
          ...(channel.path.includes(':session')
            ? { parameters: { session: { description: 'The session’s id.' } } }
            : {}),
          bindings: {
            ws: {
              query: {
                type: 'object',
                properties: {
                  [TICKET_QUERY_PARAM]: {
                    type: 'string',
                    description: 'The ticket (`socket.token`); `socket.url` already carries it.',
                  },
                },
                required: [TICKET_QUERY_PARAM],
              },
            },
          },
        },
      ];
    }),
  );
  const operations = Object.fromEntries(
    Object.entries(CHANNELS).flatMap(([channelName, channel]) =>
      (['receive', 'send'] as const).flatMap((action) =>
        channel[action].map((frame) => [
          `${channelName}.${action}.${frame}`,
          {
            action,
            channel: { $ref: `#/channels/${channelName}` },
            summary: FRAMES[frame].summary,
            messages: [{ $ref: `#/channels/${channelName}/messages/${frame}` }],
          },
        ]),
      ),
    ),
  );
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'AgentMC realtime sessions: websockets',
      version: options.version ?? '0.1.0',
      description:
        'The websockets of the AgentMC realtime sessions API, from the server’s point of view: it receives what clients send and sends the rest. Each frame is one JSON text message, told apart by `type`. Tickets come from the HTTP API (`/api/v1/openapi.json`): never an API key in a URL.',
      license: { name: 'MIT' },
    },
    defaultContentType: 'application/json',
    servers: {
      api: {
        host: '{host}',
        protocol: 'ws',
        pathname: API_BASE_PATH,
        description: 'The API server (wss behind TLS); the same host as the HTTP API.',
        variables: { host: { default: 'localhost:3000', description: 'host:port of the server' } },
      },
    },
    channels,
    operations,
    components: { schemas, messages },
  };
}
