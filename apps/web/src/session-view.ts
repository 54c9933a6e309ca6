import {
  chatSignal,
  connectPersonSession,
  isEndedStatus,
  SESSION_STATUS_SIGNAL_TYPE,
  SessionStatusSignalPayload,
  type AgentMCApi,
  type AgentRealtimeSession,
  type RealtimeConnection,
  type TeamAgent,
} from '@agentmc/api';
import { Transcript } from './transcript.js';

/** What the header's connection badge says. */
export type LinkState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface SessionViewElements {
  readonly panel: HTMLElement;
  readonly id: HTMLElement;
  readonly status: HTMLElement;
  readonly transcript: HTMLElement;
  readonly composer: HTMLFormElement;
  readonly message: HTMLInputElement;
  readonly send: HTMLButtonElement;
  readonly close: HTMLButtonElement;
}

/**
 * One session with an agent: request it, hold its websocket (the client reconnects and resumes
 * by itself, so every message shows once), show its status live, chat, and close it.
 */
export class SessionView {
  readonly #api: AgentMCApi;
  readonly #ui: SessionViewElements;
  readonly #transcript: Transcript;
  readonly #onLinkState: (state: LinkState) => void;
  readonly #onEnd: () => void;
  readonly #onProblem: (message: string) => void;
  #connection: RealtimeConnection | undefined;
  #session: AgentRealtimeSession | undefined;
  #counter = 0;

  constructor(options: {
    api: AgentMCApi;
    elements: SessionViewElements;
    onLinkState: (state: LinkState) => void;
    onEnd: () => void;
    onProblem: (message: string) => void;
  }) {
    this.#api = options.api;
    this.#ui = options.elements;
    this.#onLinkState = options.onLinkState;
    this.#onEnd = options.onEnd;
    this.#onProblem = options.onProblem;
    this.#transcript = new Transcript(this.#ui.transcript);
    this.#ui.composer.addEventListener('submit', (event) => {
      event.preventDefault();
      this.#say();
    });
    this.#ui.close.addEventListener('click', () => void this.#close());
  }

  /** Requests a session with an agent and opens its websocket. */
  async request(agent: TeamAgent): Promise<boolean> {
    const created = await this.#api.operations.createRealtimeSession({
      body: { agent_id: agent.id, meta: { from: 'web console' } },
    });
    if (created.error) {
      this.#onProblem(`Could not request a session: ${created.error.error.message}`);
      return false;
    }
    const session = created.data.data;
    this.#transcript.clear();
    this.#ui.panel.hidden = false;
    this.#ui.id.textContent = `#${session.id} with ${agent.name}`;
    this.#show(session);
    this.#onLinkState('connecting');
    const connection = connectPersonSession(this.#api, session);
    this.#connection = connection;
    connection.on('ready', () => this.#onLinkState('open'));
    connection.on('reconnecting', () => this.#onLinkState('reconnecting'));
    connection.on('session', (current) => this.#show(current));
    connection.on('signal', (signal) => {
      if (signal.type === SESSION_STATUS_SIGNAL_TYPE) {
        const payload = SessionStatusSignalPayload.safeParse(signal.payload);
        if (payload.success) this.#transcript.status(payload.data.status, signal.id);
      } else {
        this.#transcript.add(signal);
      }
    });
    connection.on('error', (error) => console.warn('realtime:', error.message));
    void connection.closed.then((end) => {
      this.#onLinkState('closed');
      if (end.session) this.#show(end.session);
      this.#setEnabled(false);
      this.#onEnd();
    });
    this.#setEnabled(true);
    return true;
  }

  #show(session: AgentRealtimeSession): void {
    this.#session = session;
    this.#ui.status.textContent = session.status;
    this.#ui.status.dataset.status = session.status;
    if (isEndedStatus(session.status)) this.#setEnabled(false);
  }

  #say(): void {
    const text = this.#ui.message.value.trim();
    const connection = this.#connection;
    if (!text || !connection) return;
    this.#ui.message.value = '';
    // The request id names this message across retries and reconnects: it is written once.
    const requestId = `web-${Date.now().toString(36)}-${++this.#counter}`;
    this.#transcript.pending(requestId, text);
    connection.send(chatSignal('chat.user', text, { requestId })).catch((error: unknown) => {
      this.#onProblem(`Not sent: ${error instanceof Error ? error.message : String(error)}`);
    });
  }

  async #close(): Promise<void> {
    const session = this.#session;
    if (!session) return;
    this.#ui.close.disabled = true;
    const closed = await this.#api.operations.closeRealtimeSession({
      params: { path: { session: session.id } },
      body: { reason: 'closed_in_console' },
    });
    if (closed.error) this.#onProblem(`Could not close: ${closed.error.error.message}`);
    else this.#show(closed.data.data);
  }

  #setEnabled(enabled: boolean): void {
    this.#ui.message.disabled = !enabled;
    this.#ui.send.disabled = !enabled;
    this.#ui.close.disabled = !enabled;
  }
}
