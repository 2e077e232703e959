import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Constant-time check of an `Authorization` header against `Bearer <token>`. The SHA-256 digests are compared, which
 * have one length: comparing the values themselves would end early on a wrong length and so tell the token's length.
 */
export function authorized(header: string | undefined, expected: Buffer): boolean {
  if (!header) return false;
  return timingSafeEqual(sha256(Buffer.from(header)), sha256(expected));
}

function sha256(bytes: Buffer): Buffer {
  return createHash('sha256').update(bytes).digest();
}
