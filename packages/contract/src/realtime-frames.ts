import { z } from 'zod';
import { ErrorEnvelope } from './errors.js';
import { AgentRealtimeSession } from './session.js';
import { CreateRealtimeSignalBody, IdempotencyKey, RealtimeSignal } from './signal.js';

// Websocket frames: one JSON text message each, told apart by `type`.
//
// A session's socket: the server sends every signal of the session, in `seq` order, exactly once,
// from where the client's first frame says: `resume {after_id}` starts the stream just after the
// signal `after_id` (0: from the first), catching up from storage before going live, with nothing
// skipped or repeated; any other first frame starts it just after `ready`'s `last_seq`. Until the
// client's first frame (or a whole heartbeat interval of silence) no signal is sent, so a signal
// written meanwhile never arrives ahead of the catch-up. A later `resume` restarts the stream. A `session` frame follows every status change; when the session has ended the server
// then closes the socket (code 1000). Any frame from the client, and the websocket's own pongs,
// count as heartbeats.

const Nonce = z.string().max(64, 'Must be at most 64 characters.');

// ---- client → server, on a session's socket ----

/** Client → server `resume`: restart the signal stream just after the signal `after_id`. */
export const ResumeFrame = z
  .object({
    type: z.literal('resume'),
    after_id: z
      .number({ required_error: 'Is required.', invalid_type_error: 'Must be an integer.' })
      .int('Must be an integer.')
      .min(0, 'Must be at least 0.')
      .max(Number.MAX_SAFE_INTEGER, `Must be at most ${Number.MAX_SAFE_INTEGER}.`),
  })
  .strict();

/** Client → server `signal`: send one signal, with the body of an HTTP signal post. */
export const ClientSignalFrame = z
  .object({ type: z.literal('signal'), signal: CreateRealtimeSignalBody })
  .strict();

/** Client → server `ping`: a heartbeat; the server answers `pong` with the same `nonce`. */
export const PingFrame = z.object({ type: z.literal('ping'), nonce: Nonce.optional() }).strict();

/** What a client may send on a session's socket. */
export const ClientSessionFrame = z.discriminatedUnion('type', [
  ResumeFrame,
  ClientSignalFrame,
  PingFrame,
]);
export type ClientSessionFrame = z.input<typeof ClientSessionFrame>;

/** What an agent may send on its watch socket. */
export const ClientWatchFrame = z.discriminatedUnion('type', [PingFrame]);
export type ClientWatchFrame = z.input<typeof ClientWatchFrame>;

// ---- server → client ----

/** Server → client `ready`, first on a session's socket: the session and its newest signal. */
export const SessionReadyFrame = z.object({
  type: z.literal('ready'),
  /** Which side this socket speaks for. */
  role: z.enum(['agent', 'browser']),
  session: AgentRealtimeSession,
  /** The newest signal when the socket opened (0: none yet); live signals follow it. */
  last_signal_id: z.number().int().min(0),
  last_seq: z.number().int().min(0),
  /** How often to send `ping` (or anything) so that the server sees this side alive. */
  heartbeat_interval_seconds: z.number().int().min(1),
});

/** Server → client `signal`: one signal of the session, in `seq` order, exactly once. */
export const SignalFrame = z.object({
  type: z.literal('signal'),
  signal: RealtimeSignal,
  /** On the sender's side only: the idempotency key the signal was sent with. */
  idempotency_key: IdempotencyKey.optional(),
});

/** Server → client `session`: the session as it is after a status change. */
export const SessionFrame = z.object({ type: z.literal('session'), session: AgentRealtimeSession });

/** Server → client `error`: a refused frame or a server failure, as in the error envelope. */
export const ErrorFrame = z.object({
  type: z.literal('error'),
  error: ErrorEnvelope.shape.error,
  /** The idempotency key of the signal frame that failed, when it had one. */
  idempotency_key: IdempotencyKey.optional(),
});

/** Server → client `pong`: the answer to a `ping`, with its `nonce`. */
export const PongFrame = z.object({ type: z.literal('pong'), nonce: Nonce.optional() });

/** What the server sends on a session's socket. */
export const ServerSessionFrame = z.discriminatedUnion('type', [
  SessionReadyFrame,
  SignalFrame,
  SessionFrame,
  ErrorFrame,
  PongFrame,
]);
export type ServerSessionFrame = z.infer<typeof ServerSessionFrame>;

/** Server → agent `ready`, first on a watch socket: whose requested sessions follow. */
export const WatchReadyFrame = z.object({
  type: z.literal('ready'),
  agent_id: z.number().int().min(1),
  heartbeat_interval_seconds: z.number().int().min(1),
});

/** A session was requested for this agent: claim it now (or leave it to another process). */
export const SessionRequestedFrame = z.object({
  type: z.literal('session.requested'),
  session: AgentRealtimeSession,
});

/**
 * What the server sends on an agent's watch socket: on open, `ready` and then every session
 * still waiting for the agent; afterwards each new one the moment it is requested.
 */
export const ServerWatchFrame = z.discriminatedUnion('type', [
  WatchReadyFrame,
  SessionRequestedFrame,
  ErrorFrame,
  PongFrame,
]);
export type ServerWatchFrame = z.infer<typeof ServerWatchFrame>;

/** Websocket close codes the server uses, beyond the standard ones. */
export const SOCKET_CLOSE_CODES = {
  /** The session has ended; its final `session` frame was sent just before. */
  sessionEnded: 1000,
  /** The server is shutting down: reconnect (to another replica) and resume. */
  goingAway: 1001,
  /**
   * The key the socket's ticket came through was revoked, or its agent disabled: an `error`
   * frame (`auth.unauthenticated` or `auth.forbidden`) says which. Do not reconnect with it.
   */
  accessRevoked: 4003,
  /** The client did not read fast enough; reconnect and resume. */
  tooSlow: 4008,
} as const;
