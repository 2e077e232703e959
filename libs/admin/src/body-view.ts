import { InputError } from '@junction/core';

/** A stored body as the admin API shows it: text when it is text, base64 otherwise. */
export function bodyView(body: Buffer, contentType: string): { contentType: string; encoding: 'utf8' | 'base64'; body: string } {
  const textual = /json|xml|text|yaml|csv|x-www-form-urlencoded/i.test(contentType);
  return textual
    ? { contentType, encoding: 'utf8', body: body.toString('utf8') }
    : { contentType, encoding: 'base64', body: body.toString('base64') };
}

/** Admin request bodies arrive as bytes (the bus keeps raw bodies for ingress); parse the JSON ones here. */
export function jsonBody(raw: unknown): Record<string, unknown> {
  if (raw === undefined || raw === null) return {};
  const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : typeof raw === 'string' ? raw : JSON.stringify(raw);
  if (text.trim() === '') return {};
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch (err) {
    throw new InputError('JSON_MALFORMED', `malformed JSON: ${(err as Error).message}`);
  }
  throw new InputError('JSON_EXPECTED_OBJECT', 'expected a JSON object');
}
