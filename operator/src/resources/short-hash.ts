import { createHash } from 'node:crypto';

const SHORT_HASH_CHARS = 8;

/** 8 hex characters of SHA-256: keeps truncated names distinct and stable across restarts. */
export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, SHORT_HASH_CHARS);
}

export const SHORT_HASH_LENGTH = SHORT_HASH_CHARS;
