import { STATUS_CODES } from 'node:http';
import type { ApiError } from './api-error.js';

/**
 * An {@link ApiError} as a whole HTTP/1.1 response, envelope and headers, for the places that
 * answer on the bare socket rather than through Express: a refused websocket upgrade, a request
 * Node's HTTP parser refused. The connection closes after it.
 */
export function rawErrorResponse(apiError: ApiError): string {
  const body = JSON.stringify(apiError.toEnvelope());
  const headers = [
    `HTTP/1.1 ${apiError.status} ${STATUS_CODES[apiError.status] ?? 'Error'}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...Object.entries(apiError.headers).map(([name, value]) => `${name}: ${value}`),
    'Connection: close',
  ];
  return `${headers.join('\r\n')}\r\n\r\n${body}`;
}
