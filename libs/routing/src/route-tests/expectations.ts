import { isDeepStrictEqual } from 'node:util';
import type { XmlCodec } from '@junction/transform';

/**
 * Deep partial match: every key the expectation names must match, keys it leaves out are free. Arrays match element
 * by element and must have the same length. Returns the first mismatch as a readable path, or undefined.
 */
export function partialMismatch(expected: unknown, actual: unknown, path = '$'): string | undefined {
  if (expected !== null && typeof expected === 'object' && !Array.isArray(expected)) {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return `${path}: expected an object, got ${show(actual)}`;
    for (const [k, v] of Object.entries(expected)) {
      const miss = partialMismatch(v, (actual as Record<string, unknown>)[k], `${path}.${k}`);
      if (miss) return miss;
    }
    return undefined;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `${path}: expected an array, got ${show(actual)}`;
    if (actual.length !== expected.length) return `${path}: expected ${expected.length} items, got ${actual.length}`;
    for (let i = 0; i < expected.length; i++) {
      const miss = partialMismatch(expected[i], actual[i], `${path}[${i}]`);
      if (miss) return miss;
    }
    return undefined;
  }
  return isDeepStrictEqual(expected, actual) ? undefined : `${path}: expected ${show(expected)}, got ${show(actual)}`;
}

/**
 * Compares an expected body with what a target received: objects and arrays by partial match on the received JSON
 * form; a string that is XML by the documents' JSON forms (so formatting does not matter); other strings exactly.
 */
export function bodyMismatch(expected: unknown, received: { text: string; value: () => unknown }, codec: XmlCodec): string | undefined {
  if (typeof expected !== 'string') {
    let value: unknown;
    try {
      value = received.value();
    } catch (err) {
      return `body is not JSON or XML: ${(err as Error).message}`;
    }
    return partialMismatch(expected, value);
  }
  if (expected.trimStart().startsWith('<') && received.text.trimStart().startsWith('<')) {
    let same: boolean;
    try {
      same = isDeepStrictEqual(codec.parse(expected), codec.parse(received.text));
    } catch (err) {
      // a malformed expectation fails its own test, not the whole run
      return `body: cannot compare as XML: ${(err as Error).message}`;
    }
    return same ? undefined : `body: expected ${expected}, got ${received.text}`;
  }
  return expected === received.text ? undefined : `body: expected ${show(expected)}, got ${show(received.text)}`;
}

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 200 ? `${s.slice(0, 200)}...` : s;
}
