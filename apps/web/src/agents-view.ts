import type { AgentMCApi, TeamAgent } from '@agentmc/api';

/** How often the list asks again who is online. */
const REFRESH_MS = 3_000;

/**
 * The team's agents with their presence, refreshed every few seconds, each with a button that
 * requests a session with it.
 */
export class AgentsView {
  readonly #api: AgentMCApi;
  readonly #root: HTMLElement;
  readonly #onRequest: (agent: TeamAgent) => void;
  readonly #onProblem: (message: string) => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #busy = false;

  constructor(options: {
    api: AgentMCApi;
    root: HTMLElement;
    onRequest: (agent: TeamAgent) => void;
    onProblem: (message: string) => void;
  }) {
    this.#api = options.api;
    this.#root = options.root;
    this.#onRequest = options.onRequest;
    this.#onProblem = options.onProblem;
  }

  start(): void {
    void this.#refresh();
  }

  /** While a session is open, requesting another waits. */
  set busy(busy: boolean) {
    this.#busy = busy;
    for (const button of this.#root.querySelectorAll('button')) button.disabled = busy;
  }

  async #refresh(): Promise<void> {
    try {
      const result = await this.#api.operations.listRealtimeAgents();
      if (result.error) this.#onProblem(`Could not list the agents: ${result.error.error.message}`);
      else this.#render(result.data.data);
    } catch {
      // The network is down: the next round tries again.
    }
    this.#timer = setTimeout(() => void this.#refresh(), REFRESH_MS);
  }

  stop(): void {
    clearTimeout(this.#timer);
  }

  #render(agents: TeamAgent[]): void {
    const items = agents.map((agent) => {
      const item = document.createElement('li');
      item.dataset.agentId = String(agent.id);
      item.dataset.online = String(agent.online);
      const dot = document.createElement('span');
      dot.className = 'presence';
      dot.title = agent.online ? 'online' : 'offline';
      const name = document.createElement('strong');
      name.textContent = agent.name;
      const seen = document.createElement('span');
      seen.className = 'seen';
      seen.textContent = agent.online
        ? 'online'
        : agent.last_seen_at
          ? `last seen ${new Date(agent.last_seen_at).toLocaleString()}`
          : 'never seen';
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = 'Request session';
      button.disabled = this.#busy;
      button.addEventListener('click', () => this.#onRequest(agent));
      item.append(dot, name, seen, button);
      return item;
    });
    this.#root.replaceChildren(...items);
  }
}
