import {
  CHAT_AGENT_DONE,
  readChatMessage,
  SESSION_STATUS_SIGNAL_TYPE,
  SessionStatusSignalPayload,
  type RealtimeSignal,
  type SessionStatus,
} from '@agentmc/api';

/**
 * What the person sees of a session: the agent's replies and each change of status (with its
 * reason), one line each, every signal once however it arrived (the socket, or the catch-up over
 * HTTP after the socket ended). It also keeps the status and which messages await a reply.
 */
export class Transcript {
  readonly #say: (line: string) => void;
  readonly #waiters = new Set<() => void>();
  /** Request ids of messages sent and not answered yet. */
  readonly due = new Set<string>();
  #lastId = 0;
  #status: SessionStatus = 'requested';
  #replies = 0;

  constructor(say: (line: string) => void) {
    this.#say = say;
  }

  /** The id of the last signal shown: where a catch-up starts. */
  get lastId(): number {
    return this.#lastId;
  }

  /** The session's status, as its signals told it. */
  get status(): SessionStatus {
    return this.#status;
  }

  get replies(): number {
    return this.#replies;
  }

  show(signal: RealtimeSignal): void {
    if (signal.id <= this.#lastId) return;
    this.#lastId = signal.id;
    const message = readChatMessage(signal);
    if (signal.sender === 'agent' && message?.type === CHAT_AGENT_DONE) {
      this.#replies += 1;
      if (message.request_id !== undefined) this.due.delete(message.request_id);
      this.#say(`agent> ${message.payload.content}`);
    } else if (signal.sender === 'system' && signal.type === SESSION_STATUS_SIGNAL_TYPE) {
      const change = SessionStatusSignalPayload.safeParse(signal.payload);
      if (!change.success) return;
      this.#status = change.data.status;
      this.#say(
        `· session ${change.data.status}${change.data.reason ? ` (${change.data.reason})` : ''}`,
      );
    } else {
      return;
    }
    for (const wake of [...this.#waiters]) wake();
  }

  /** Resolves once `done` holds, checking after every line shown. */
  until(done: () => boolean): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (!done()) return;
        this.#waiters.delete(check);
        resolve();
      };
      this.#waiters.add(check);
    });
  }
}
