import { z } from 'zod';
import { Timestamp, boundedInt, checkStorableJson, storableText } from './primitives.js';
import { AgentRealtimeSession } from './session.js';

/** Who wrote a signal: the session's agent, the person's browser, or the server itself. */
export const SIGNAL_SENDERS = ['agent', 'browser', 'system'] as const;
/** Who wrote a signal: one of {@link SIGNAL_SENDERS}. */
export const SignalSender = z.enum(SIGNAL_SENDERS);
export type SignalSender = z.infer<typeof SignalSender>;

/** The largest payload a signal may carry, as UTF-8 JSON. */
export const SIGNAL_PAYLOAD_MAX_BYTES = 32_768;

const utf8 = new TextEncoder();

/**
 * A signal's payload: a JSON object, a JSON array, or null; at most `JSON_MAX_DEPTH` levels
 * deep (checked first: measuring the size serialises it, recursively), its text storable.
 */
export const SignalPayload = z
  .union([z.record(z.string(), z.unknown()), z.array(z.unknown()), z.null()], {
    errorMap: () => ({ message: 'Must be a JSON object, an array or null.' }),
  })
  .superRefine((payload, ctx) => {
    if (!checkStorableJson(payload, ctx)) return;
    if (utf8.encode(JSON.stringify(payload)).length > SIGNAL_PAYLOAD_MAX_BYTES) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `Must be at most ${SIGNAL_PAYLOAD_MAX_BYTES} bytes of JSON.`,
      });
    }
  });
export type SignalPayload = z.infer<typeof SignalPayload>;

/** What a signal is about, such as `message` or `session.status`: dotted words, no spaces. */
export const SignalType = z
  .string({ required_error: 'Is required.', invalid_type_error: 'Must be a string.' })
  .min(1, 'Must not be empty.')
  .max(100, 'Must be at most 100 characters.')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'Must be letters, digits, ".", "_", ":" or "-".');

/**
 * A sender's own name for one signal. Sending again with the same key returns the first signal
 * instead of writing a second one, so a sender that lost a reply can simply repeat itself.
 */
export const IdempotencyKey = storableText(
  z
    .string({ invalid_type_error: 'Must be a string.' })
    .min(1, 'Must not be empty.')
    .max(200, 'Must be at most 200 characters.'),
);

/**
 * One message of a realtime session. `seq` numbers the session's signals 1, 2, 3, … without
 * gaps, in the order they were written; `id` grows with `seq` within a session, so the last `id`
 * a client saw is where it resumes.
 */
export const RealtimeSignal = z.object({
  id: z.number().int().min(1),
  seq: z.number().int().min(1),
  team_id: z.number().int(),
  agent_id: z.number().int(),
  session_id: z.number().int().min(1),
  sender: SignalSender,
  type: SignalType,
  payload: z.union([z.record(z.string(), z.unknown()), z.array(z.unknown()), z.null()]),
  created_at: Timestamp,
});
export type RealtimeSignal = z.infer<typeof RealtimeSignal>;

/** The type of the signal the server writes on every status change of a session. */
export const SESSION_STATUS_SIGNAL_TYPE = 'session.status';

/** Payload of a `session.status` signal: the new status and why the session got there. */
export const SessionStatusSignalPayload = z.object({
  status: AgentRealtimeSession.shape.status,
  reason: z.string().nullable(),
});
export type SessionStatusSignalPayload = z.infer<typeof SessionStatusSignalPayload>;

/** Body of a signal sent over HTTP, and the `signal` of a client's `signal` frame. */
export const CreateRealtimeSignalBody = z
  .object({
    type: SignalType,
    payload: SignalPayload.optional().transform((payload) => payload ?? null),
    idempotency_key: IdempotencyKey.optional(),
  })
  .strict();
export type CreateRealtimeSignalBody = z.input<typeof CreateRealtimeSignalBody>;

/** `{"data": signal}`: one signal. */
export const SignalEnvelope = z.object({ data: RealtimeSignal });
export type SignalEnvelope = z.infer<typeof SignalEnvelope>;

/** `{"data": [signal, ...], "session": session}`: a page of signals and the session as it is now. */
export const SignalListEnvelope = z.object({
  data: z.array(RealtimeSignal),
  session: AgentRealtimeSession,
});
export type SignalListEnvelope = z.infer<typeof SignalListEnvelope>;

/** Query of the signal lists: the signal id to start after, and how many to return. */
export const ListRealtimeSignalsQuery = z.object({
  after_id: boundedInt(0, Number.MAX_SAFE_INTEGER, 0).describe(
    'Return only signals with an id greater than this value.',
  ),
  limit: boundedInt(1, 200, 100).describe('Maximum number of records to return.'),
});
