import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { InputError } from '@junction/core';
import type { NonceCache } from './nonce-cache';
import type { SoapHeaderBlock } from './soap-envelope';
import { escapeXml } from './xml-escape';
import { ROOT_SCOPE, type NsScope, attributeValue, isName, resolvedChildren, scopeOf, textOf } from './xml-namespaces';

/** Namespace of `wsse:Security` (OASIS WSS 1.0 SOAP Message Security). */
export const WSSE_NS = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd';
/** Namespace of `wsu:Created`, `wsu:Timestamp`. */
export const WSU_NS = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd';
const PROFILE = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0';
/** `wsse:Password/@Type` of a clear-text password (the default when Type is absent). */
export const PASSWORD_TEXT = `${PROFILE}#PasswordText`;
/** `wsse:Password/@Type` of a password digest. */
export const PASSWORD_DIGEST = `${PROFILE}#PasswordDigest`;
/** `wsse:Nonce/@EncodingType` of a Base64 nonce (the default when EncodingType is absent). */
export const BASE64_BINARY = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary';

export type SecurityErrorCode = 'WSSE_FAILED' | 'WSSE_REPLAY' | 'WSSE_EXPIRED' | 'WSSE_MISSING';

/**
 * WS-Security refused a request. Never retriable. It extends InputError with status 401, so that the HTTP problem
 * mapping answers 401 and `faultFor` gives a client-side Fault. Messages never quote a password, a digest or a
 * user name.
 * - `WSSE_MISSING`: no Security header, or no UsernameToken in it;
 * - `WSSE_FAILED`: unknown user, wrong password, or a token the verifier cannot read (unsupported password type,
 *   nonce encoding, malformed time, a digest without nonce or Created);
 * - `WSSE_EXPIRED`: `Created` outside the allowed skew (too old or in the future), or a Timestamp past `Expires`;
 * - `WSSE_REPLAY`: a nonce already accepted within its window.
 */
export class SecurityError extends InputError {
  constructor(code: SecurityErrorCode, message: string) {
    super(code, `WS-Security: ${message}`, 401);
  }
}

/** Options of verifyUsernameToken. */
export interface UsernameTokenOptions {
  /** User name -> clear-text password (digests need the password itself). */
  readonly users: ReadonlyMap<string, string> | Readonly<Record<string, string>>;
  /** How far `Created` may lie in the past or the future; also how long a nonce is remembered. Default 300,000 ms. */
  readonly maxSkewMs?: number;
  readonly nonces: NonceCache;
  readonly now?: () => number;
}

/**
 * Verifies the WS-Security UsernameToken (OASIS UsernameToken Profile 1.0/1.1) among a request's header blocks and
 * returns the authenticated user, or throws SecurityError.
 * - PasswordText compares the password; PasswordDigest compares Base64(SHA-1(nonce bytes + Created + password)) and
 *   requires `wsse:Nonce` and `wsu:Created`. Comparisons are constant-time (both sides hashed to equal length), and
 *   an unknown user costs the same work as a wrong password.
 * - `wsu:Created` of the token, when present, must lie within `maxSkewMs` of now; an optional `wsu:Timestamp` in the
 *   Security header must not be past its `Expires` nor created beyond the skew in the future.
 * - A nonce is remembered, only once the password has checked out (so that a forged copy of a message in flight
 *   cannot burn its nonce), until `Created + maxSkewMs` (now + maxSkewMs without Created); seen again -> WSSE_REPLAY.
 * Exactly one `wsse:Security` header is accepted (no actor/role targeting) holding exactly one UsernameToken.
 */
export function verifyUsernameToken(
  headers: readonly Pick<SoapHeaderBlock, 'ns' | 'localName' | 'value'>[],
  options: UsernameTokenOptions,
): { username: string } {
  const now = (options.now ?? Date.now)();
  const skew = options.maxSkewMs ?? 300_000;
  const blocks = headers.filter((h) => h.ns === WSSE_NS && h.localName === 'Security');
  if (blocks.length === 0) throw new SecurityError('WSSE_MISSING', 'the request has no wsse:Security header');
  if (blocks.length > 1) throw failed('the request has more than one wsse:Security header');
  const security = blocks[0].value;
  const children = resolvedChildren(security, scopeOf(security, ROOT_SCOPE));
  const timestamps = children.filter((c) => isName(c.name, WSU_NS, 'Timestamp'));
  const tokens = children.filter((c) => isName(c.name, WSSE_NS, 'UsernameToken'));
  if (tokens.length === 0) throw new SecurityError('WSSE_MISSING', 'the Security header has no UsernameToken');
  if (tokens.length > 1 || timestamps.length > 1) throw failed('the Security header has more than one UsernameToken or Timestamp');
  if (timestamps[0]) checkTimestamp(timestamps[0].value, timestamps[0].scope, now, skew);

  const token = fieldsOf(tokens[0].value, tokens[0].scope);
  const username = token.Username === undefined ? undefined : textOf(token.Username.value)?.trim();
  if (!username || !token.Password) throw failed('the UsernameToken needs a Username and a Password');
  const type = attributeValue(token.Password.value, token.Password.scope, '', 'Type')?.trim() ?? PASSWORD_TEXT;
  if (type !== PASSWORD_TEXT && type !== PASSWORD_DIGEST) throw failed('unsupported password type');
  const nonce = token.Nonce ? nonceOf(token.Nonce.value, token.Nonce.scope) : undefined;
  const createdText = token.Created ? textOf(token.Created.value)?.trim() : undefined;
  const created = createdText === undefined ? undefined : parseTime(createdText);
  if (type === PASSWORD_DIGEST && (!nonce || createdText === undefined)) throw failed('a password digest needs a Nonce and a Created');
  if (created !== undefined) checkFreshness(created, now, skew, 'token');

  const given = textOf(token.Password.value) ?? '';
  const stored = lookup(options.users, username);
  // An unknown user is compared against a throwaway secret, so that timing does not tell users apart.
  const secret = stored ?? UNKNOWN_USER_SECRET;
  const expected = type === PASSWORD_DIGEST ? passwordDigest(nonce!, createdText!, secret) : secret;
  const matches = sameSecret(type === PASSWORD_DIGEST ? given.trim() : given, expected);
  if (!matches || stored === undefined) throw failed('invalid username or password');

  if (nonce && !options.nonces.remember(nonce.toString('base64'), (created ?? now) + skew, now)) {
    throw new SecurityError('WSSE_REPLAY', 'the nonce was already used');
  }
  return { username };
}

const UNKNOWN_USER_SECRET = randomBytes(24).toString('base64');

function failed(message: string): SecurityError {
  return new SecurityError('WSSE_FAILED', message);
}

type Field = { value: unknown; scope: NsScope };

function fieldsOf(token: unknown, scope: NsScope): Partial<Record<'Username' | 'Password' | 'Nonce' | 'Created', Field>> {
  const fields: Partial<Record<'Username' | 'Password' | 'Nonce' | 'Created', Field>> = {};
  for (const child of resolvedChildren(token, scope)) {
    const { ns, localName } = child.name;
    const key =
      ns === WSSE_NS && (localName === 'Username' || localName === 'Password' || localName === 'Nonce')
        ? localName
        : ns === WSU_NS && localName === 'Created'
          ? localName
          : undefined;
    if (!key) continue; // extension elements are allowed by the schema and ignored
    if (fields[key]) throw failed(`the UsernameToken has more than one ${localName}`);
    fields[key] = { value: child.value, scope: child.scope };
  }
  return fields;
}

function nonceOf(value: unknown, scope: NsScope): Buffer {
  const encoding = attributeValue(value, scope, '', 'EncodingType')?.trim();
  if (encoding !== undefined && encoding !== BASE64_BINARY) throw failed('unsupported nonce encoding');
  const text = (textOf(value) ?? '').trim();
  if (text === '' || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) throw failed('the nonce is not Base64');
  return Buffer.from(text, 'base64');
}

function checkTimestamp(value: unknown, scope: NsScope, now: number, skew: number): void {
  const fields = new Map(resolvedChildren(value, scope).filter((c) => c.name.ns === WSU_NS).map((c) => [c.name.localName, c.value]));
  const createdText = fields.has('Created') ? textOf(fields.get('Created'))?.trim() : undefined;
  const expiresText = fields.has('Expires') ? textOf(fields.get('Expires'))?.trim() : undefined;
  const created = createdText === undefined ? undefined : parseTime(createdText);
  const expires = expiresText === undefined ? undefined : parseTime(expiresText);
  if (created !== undefined && created > now + skew) throw new SecurityError('WSSE_EXPIRED', 'the timestamp was created in the future');
  if (created !== undefined && expires !== undefined && expires < created) throw failed('the timestamp expires before it was created');
  // Expires is the sender's own bound: honoured as written, with no allowance.
  if (expires !== undefined && expires <= now) throw new SecurityError('WSSE_EXPIRED', 'the timestamp has expired');
}

function checkFreshness(created: number, now: number, skew: number, what: string): void {
  if (created < now - skew) throw new SecurityError('WSSE_EXPIRED', `the ${what} was created too long ago`);
  if (created > now + skew) throw new SecurityError('WSSE_EXPIRED', `the ${what} was created in the future`);
}

// xsd:dateTime with a time zone: a time without one is ambiguous between the parties' clocks.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

function parseTime(text: string): number {
  const at = DATE_TIME.test(text) ? Date.parse(text) : NaN;
  if (!Number.isFinite(at)) throw failed('a time is not an xsd:dateTime with a time zone');
  return at;
}

function lookup(users: UsernameTokenOptions['users'], name: string): string | undefined {
  if (users instanceof Map) return users.get(name);
  const record = users as Readonly<Record<string, string>>;
  return Object.prototype.hasOwnProperty.call(record, name) ? record[name] : undefined;
}

function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** The UsernameToken Profile digest: Base64(SHA-1(nonce bytes + Created as written + password)), all UTF-8. */
export function passwordDigest(nonce: Buffer, created: string, password: string): string {
  return createHash('sha1')
    .update(Buffer.concat([nonce, Buffer.from(created, 'utf8'), Buffer.from(password, 'utf8')]))
    .digest('base64');
}

/** Options of usernameTokenHeader. */
export interface UsernameTokenHeaderOptions {
  readonly username: string;
  readonly password: string;
  /** PasswordDigest when true, PasswordText when false. */
  readonly digest: boolean;
  readonly now?: () => number;
  /** The nonce bytes; default 16 random bytes. */
  readonly nonce?: Buffer;
  /** Lifetime given in the Timestamp's `Expires`; default 300,000 ms. */
  readonly ttlMs?: number;
}

/**
 * The `wsse:Security` header block for a delivery: a `wsu:Timestamp` (Created, Expires) and a UsernameToken with
 * Username, Password (text or digest), a Base64 Nonce and `wsu:Created`, in the shape the `soap` package's
 * WSSecurity writes, which our verifier, the `soap` package's server and common servers (WSS4J, WCF) read. No
 * `mustUnderstand` is set. Every call makes a fresh nonce (pass `nonce` only in tests).
 */
export function usernameTokenHeader(options: UsernameTokenHeaderOptions): string {
  const at = options.now ? options.now() : Date.now();
  const created = new Date(at).toISOString();
  const expires = new Date(at + (options.ttlMs ?? 300_000)).toISOString();
  const nonce = options.nonce ?? randomBytes(16);
  const password = options.digest ? passwordDigest(nonce, created, options.password) : options.password;
  return (
    `<wsse:Security xmlns:wsse="${WSSE_NS}" xmlns:wsu="${WSU_NS}">` +
    `<wsu:Timestamp><wsu:Created>${created}</wsu:Created><wsu:Expires>${expires}</wsu:Expires></wsu:Timestamp>` +
    `<wsse:UsernameToken><wsse:Username>${escapeXml(options.username)}</wsse:Username>` +
    `<wsse:Password Type="${options.digest ? PASSWORD_DIGEST : PASSWORD_TEXT}">${escapeXml(password)}</wsse:Password>` +
    `<wsse:Nonce EncodingType="${BASE64_BINARY}">${nonce.toString('base64')}</wsse:Nonce>` +
    `<wsu:Created>${created}</wsu:Created></wsse:UsernameToken></wsse:Security>`
  );
}
