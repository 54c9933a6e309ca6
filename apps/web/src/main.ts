import { AgentMCApi } from '@agentmc/api';
import { AgentsView } from './agents-view.js';
import { SessionView, type LinkState } from './session-view.js';
import './style.css';

// The web console: the person's side of realtime sessions, on `@agentmc/api` with the browser's
// own WebSocket. It signs in with a browser token, never an API key: from the URL's fragment
// (`#token=…`, as `pnpm admin demo` prints it), kept for this tab only.

const TOKEN_KEY = 'agentmc.browserToken';

function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from the page`);
  return element as T;
}

function takeToken(): string | undefined {
  const fromUrl = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    // Out of the address bar and the history, once kept.
    history.replaceState(null, '', location.pathname + location.search);
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

const problem = byId<HTMLParagraphElement>('problem');
function showProblem(message: string): void {
  problem.textContent = message;
  problem.hidden = false;
}

const connection = byId('connection');
const LINK_TEXT: Record<LinkState, string> = {
  idle: '',
  connecting: 'Connecting…',
  open: 'Connected',
  reconnecting: 'Reconnecting…',
  closed: 'Disconnected',
};
function showLinkState(state: LinkState): void {
  connection.dataset.state = state;
  connection.textContent = LINK_TEXT[state];
}

function start(token: string): void {
  // The API is where the page came from, unless `?api=` says otherwise (a dev server).
  const baseUrl = new URLSearchParams(location.search).get('api') ?? `${location.origin}/api/v1`;
  const api = new AgentMCApi({ baseUrl, token: () => token });
  byId('agents-panel').hidden = false;
  const agents = new AgentsView({
    api,
    root: byId('agents'),
    onProblem: showProblem,
    onRequest: (agent) => {
      agents.busy = true;
      problem.hidden = true;
      void session.request(agent).then((opened) => {
        if (!opened) agents.busy = false;
      });
    },
  });
  const session = new SessionView({
    api,
    elements: {
      panel: byId('session-panel'),
      id: byId('session-id'),
      status: byId('session-status'),
      transcript: byId('transcript'),
      composer: byId<HTMLFormElement>('composer'),
      message: byId<HTMLInputElement>('message'),
      send: byId<HTMLButtonElement>('send'),
      close: byId<HTMLButtonElement>('close-session'),
    },
    onLinkState: showLinkState,
    onEnd: () => (agents.busy = false),
    onProblem: showProblem,
  });
  agents.start();
}

const token = takeToken();
if (token) {
  start(token);
} else {
  byId('sign-in').hidden = false;
  byId<HTMLFormElement>('sign-in-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const given = byId<HTMLInputElement>('token-input').value.trim();
    if (!given) return;
    sessionStorage.setItem(TOKEN_KEY, given);
    byId('sign-in').hidden = true;
    start(given);
  });
}
