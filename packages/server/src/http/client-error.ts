import type { Duplex } from 'node:stream';
import { rawErrorResponse } from '../errors/raw-response.js';
import { toApiError } from '../errors/to-api-error.js';

/**
 * The server's 'clientError' listener: a request Node's HTTP parser refused (headers over the
 * size limit, a malformed request line, a request that took too long to arrive) is answered in
 * the error envelope, 431, 400 or 408, instead of Node's bare text. A connection already gone
 * is only closed.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(rawErrorResponse(toApiError(error)));
}
