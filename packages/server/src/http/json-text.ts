import type { Express } from 'express';

/** A response body serialised already: sent as it is, with the JSON content type. */
class JsonText {
  constructor(readonly text: string) {}
}

/**
 * Lets a route hand ts-rest a body it serialised itself: `res.json` sends the text as it is.
 * The text stands for a body of type `T` (ts-rest checks the route's types against that); it must
 * be exactly `JSON.stringify` of such a body, which whoever writes it is tested for. Only with
 * response validation off: validation would read the stand-in as the body.
 *
 * @example
 * return { status: 200, body: jsonText<{ data: Session[] }>(page.dataJson()) };
 */
export function jsonText<T>(text: string): T {
  return new JsonText(text) as unknown as T;
}

/** Makes the app's `res.json` send a {@link jsonText} body as it is. Once per app. */
export function sendJsonText(app: Express): void {
  const json = app.response.json;
  app.response.json = function (this: typeof app.response, body: unknown) {
    if (!(body instanceof JsonText)) return json.call(this, body);
    if (!this.get('Content-Type')) this.set('Content-Type', 'application/json; charset=utf-8');
    return this.send(body.text);
  };
}
