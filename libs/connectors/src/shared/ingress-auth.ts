import { timingSafeEqual } from 'node:crypto';

/** Constant-time check of an `Authorization` header against `Bearer <token>`. */
export function authorized(header: string | undefined, expected: Buffer): boolean {
  if (!header) return false;
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
