import { createHash, randomBytes } from 'node:crypto';
import { BROWSER_TOKEN_PREFIX } from '@agentmc/contract';

export const API_KEY_PREFIX = 'amc_';

/** A new key: 32 random bytes behind a readable prefix. Shown once; only its hash is kept. */
export function generateApiKey(): { key: string; prefix: string; hash: string } {
  const key = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { key, prefix: key.slice(0, 12), hash: hashApiKey(key) };
}

/**
 * Keys are looked up by this hash, so the time a lookup takes depends on the hash, never on how
 * much of a guessed key is right.
 */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * A new browser token: the second it expires at (readable, so that a client can refresh it in
 * time), then 32 random bytes. Only its hash is kept, like a key's.
 */
export function generateBrowserToken(expiresAt: number): { token: string; hash: string } {
  const token = `${BROWSER_TOKEN_PREFIX}${expiresAt}_${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashApiKey(token) };
}
