import { createHash, randomBytes } from 'node:crypto';

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
