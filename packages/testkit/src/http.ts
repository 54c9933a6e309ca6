export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The parsed JSON body; undefined when the body is not JSON. */
  readonly body: any;
}

export interface RequestOptions {
  /** Sent as `X-Api-Key`. */
  readonly key?: string;
  /** Serialised as a JSON body with `Content-Type: application/json`. */
  readonly json?: unknown;
  /** A raw body, sent as is. */
  readonly body?: string;
  readonly headers?: Record<string, string>;
}

/** One real HTTP request with fetch; the reply with its body read. */
export async function send(
  url: string,
  method: string,
  options: RequestOptions = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key !== undefined) headers['X-Api-Key'] = options.key;
  let body: string | undefined = options.body;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['Content-Type'] ??= 'application/json';
  }
  const response = await fetch(url, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, text, body: parsed };
}

/**
 * Requests against one server's `/api/v1`.
 *
 * @example
 * const api = apiOf(server.baseUrl);
 * const reply = await api.post('/realtime/sessions', { key: user.key, json: { agent_id: 1 } });
 */
export function apiOf(baseUrl: string) {
  return {
    get: (path: string, options?: RequestOptions) => send(`${baseUrl}${path}`, 'GET', options),
    post: (path: string, options?: RequestOptions) => send(`${baseUrl}${path}`, 'POST', options),
    send: (method: string, path: string, options?: RequestOptions) =>
      send(`${baseUrl}${path}`, method, options),
  };
}
export type Api = ReturnType<typeof apiOf>;
