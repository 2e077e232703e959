import { createHash, timingSafeEqual } from 'node:crypto';

/** SHA-256 of a secret: what is kept of configured secrets, and what is compared. */
export function digest(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/**
 * Whether `given` is the secret whose digest is `expected`, in time that depends on neither: digests have one
 * length, so unlike a comparison of the secrets themselves, not even the length of the right one shows.
 */
export function matchesDigest(given: string, expected: Buffer): boolean {
  return timingSafeEqual(digest(given), expected);
}
