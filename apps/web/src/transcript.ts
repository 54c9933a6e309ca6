import { readChatMessage, type RealtimeSignal, type SessionStatus } from '@agentmc/api';

/**
 * The conversation as the page shows it, built from the session's signals. Each message has one
 * element, keyed by who said it and the request it belongs to: a person's message shown while it
 * was being sent is the same element its signal confirms, and an agent's streamed pieces fill
 * one reply, each piece once (by its index), until `chat.agent.done` sets the whole text.
 */
export class Transcript {
  readonly #root: HTMLElement;
  readonly #messages = new Map<string, HTMLElement>();
  readonly #pieces = new Map<string, Map<number, string>>();

  constructor(root: HTMLElement) {
    this.#root = root;
  }

  clear(): void {
    this.#root.replaceChildren();
    this.#messages.clear();
    this.#pieces.clear();
  }

  /** The person's message, shown at once while it is on its way. */
  pending(requestId: string, text: string): void {
    const element = this.#element('user', requestId);
    element.textContent = text;
    element.dataset.pending = 'true';
  }

  /** One signal of the session, as the connection delivers it (each once, in order). */
  add(signal: RealtimeSignal): void {
    const message = readChatMessage(signal);
    if (!message) return;
    const requestId = message.request_id ?? `signal-${signal.id}`;
    const content = message.payload.content;
    if (message.type === 'chat.user') {
      const element = this.#element('user', requestId);
      element.textContent = content;
      delete element.dataset.pending;
    } else if (message.type === 'chat.agent.delta') {
      const index = message.payload.index;
      const pieces = this.#pieces.get(requestId) ?? new Map<number, string>();
      this.#pieces.set(requestId, pieces);
      pieces.set(typeof index === 'number' ? index : pieces.size, content);
      const element = this.#element('agent', requestId);
      element.dataset.pieces = String(pieces.size);
      if (element.dataset.streaming !== 'false') {
        element.dataset.streaming = 'true';
        element.textContent = [...pieces.entries()]
          .sort(([a], [b]) => a - b)
          .map(([, piece]) => piece)
          .join('');
      }
    } else if (message.type === 'chat.agent.done') {
      const element = this.#element('agent', requestId);
      element.dataset.streaming = 'false';
      element.textContent = content;
    }
  }

  /** A status change, as a line of its own. */
  status(status: SessionStatus, signalId: number): void {
    const element = this.#element('system', `status-${signalId}`);
    element.textContent = `Session ${status}`;
  }

  #element(role: 'user' | 'agent' | 'system', key: string): HTMLElement {
    const id = `${role}:${key}`;
    let element = this.#messages.get(id);
    if (!element) {
      element = document.createElement('div');
      element.className = 'message';
      element.dataset.role = role;
      element.dataset.requestId = key;
      this.#messages.set(id, element);
      this.#root.append(element);
      this.#root.scrollTop = this.#root.scrollHeight;
    }
    return element;
  }
}
