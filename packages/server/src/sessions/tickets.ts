import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Who a ticket speaks for, what it opens (one session's socket, or one agent's watch), and the
 * API key it was issued through: revoking that key refuses the ticket.
 */
export type TicketClaims =
  | {
      readonly kind: 'session';
      readonly role: 'agent' | 'browser';
      /** The agent's id, or the person's user id. */
      readonly principalId: number;
      readonly teamId: number;
      readonly sessionId: number;
      readonly keyId: number;
    }
  | {
      readonly kind: 'watch';
      readonly agentId: number;
      readonly teamId: number;
      readonly keyId: number;
    };

export type VerifiedTicket = TicketClaims & { readonly expiresAt: number };

export type TicketProblem = 'malformed' | 'bad_signature' | 'expired';

const VERSION = 2;
const CONTEXT = 'agentmc.realtime.ticket.v2';
/**
 * A ticket is exactly its body, a dot and its signature, each in unpadded base64url; the
 * signature is the 43 characters of a SHA-256 HMAC. Anything else (padding, stray or appended
 * characters, a second dot) is not a ticket, even where a lenient decoder would read the same bytes.
 */
const TICKET_SHAPE = /^([A-Za-z0-9_-]{1,1900})\.([A-Za-z0-9_-]{43})$/;

/**
 * Short-lived websocket tickets: the claims as base64url JSON, a dot, and an HMAC-SHA256 over
 * them. Any replica with the same secret can check one, with no database and no shared state,
 * and a ticket is only good for the principal and the session (or watch) it names.
 *
 * @example
 * const tickets = new TicketSigner({ secret: 'x'.repeat(32), ttlSeconds: 60 });
 * const { token } = tickets.issue({ kind: 'watch', agentId: 7, teamId: 1, keyId: 3 }, now);
 * const verified = tickets.verify(token, now); // { kind: 'watch', agentId: 7, … } or a problem
 */
export class TicketSigner {
  readonly #secret: Buffer;
  readonly #ttlSeconds: number;

  constructor(options: { secret: string | undefined; ttlSeconds: number }) {
    this.#secret = options.secret ? Buffer.from(options.secret, 'utf8') : randomBytes(32);
    this.#ttlSeconds = options.ttlSeconds;
  }

  issue(claims: TicketClaims, now: number): { token: string; expiresAt: number } {
    const expiresAt = now + this.#ttlSeconds;
    const body = Buffer.from(JSON.stringify({ v: VERSION, ...claims, exp: expiresAt })).toString(
      'base64url',
    );
    return { token: `${body}.${this.#mac(body)}`, expiresAt };
  }

  verify(token: string, now: number): VerifiedTicket | TicketProblem {
    const shape = TICKET_SHAPE.exec(token);
    if (!shape) return 'malformed';
    const [, body, signature] = shape as unknown as [string, string, string];
    // The canonical text is compared, not decoded bytes: the last of 43 characters carries two
    // unused bits, so four spellings would decode alike. Both are 43 ASCII bytes here.
    if (!timingSafeEqual(Buffer.from(signature, 'ascii'), Buffer.from(this.#mac(body), 'ascii'))) {
      return 'bad_signature';
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      return 'malformed';
    }
    const claims = toClaims(parsed);
    if (!claims) return 'malformed';
    // A ticket is good until the end of the second it names, like every instant of the API.
    if (claims.expiresAt < now) return 'expired';
    return claims;
  }

  #mac(body: string): string {
    return createHmac('sha256', this.#secret).update(`${CONTEXT}.${body}`).digest('base64url');
  }
}

function toClaims(value: unknown): VerifiedTicket | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const int = (x: unknown): x is number => Number.isSafeInteger(x);
  if (v.v !== VERSION || !int(v.exp) || !int(v.teamId) || !int(v.keyId)) return undefined;
  if (v.kind === 'watch' && int(v.agentId)) {
    return {
      kind: 'watch',
      agentId: v.agentId,
      teamId: v.teamId,
      keyId: v.keyId,
      expiresAt: v.exp,
    };
  }
  if (
    v.kind === 'session' &&
    (v.role === 'agent' || v.role === 'browser') &&
    int(v.principalId) &&
    int(v.sessionId)
  ) {
    return {
      kind: 'session',
      role: v.role,
      principalId: v.principalId,
      teamId: v.teamId,
      sessionId: v.sessionId,
      keyId: v.keyId,
      expiresAt: v.exp,
    };
  }
  return undefined;
}
