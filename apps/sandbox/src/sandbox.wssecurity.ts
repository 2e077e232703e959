import { createHash, timingSafeEqual } from 'node:crypto';
import { attributeOf, childElement, textOf, type XmlElement } from './sandbox.soap';

/** WS-Security 1.0 (OASIS 2004) namespaces and UsernameToken password types. */
export const WSSE_NS = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd';
export const WSU_NS = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd';
const TOKEN_PROFILE = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0';
export const PASSWORD_TEXT = `${TOKEN_PROFILE}#PasswordText`;
export const PASSWORD_DIGEST = `${TOKEN_PROFILE}#PasswordDigest`;

/** How far a digest token's Created may be from the sandbox's clock, either way. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

export interface UsernameCredentials {
  readonly username: string;
  readonly password: string;
}

/** The outcome of checking a request's UsernameToken; `failure` is the WS-Security fault code that applies. */
export type TokenCheck =
  | { readonly ok: true; readonly passwordType: 'PasswordText' | 'PasswordDigest' }
  | { readonly ok: false; readonly failure: 'InvalidSecurity' | 'FailedAuthentication'; readonly reason: string };

/**
 * Checks the `wsse:Security/wsse:UsernameToken` in a SOAP header against `expected`:
 * - PasswordText (also when the Password has no Type): the password as sent;
 * - PasswordDigest: Base64(SHA-1(nonce bytes + Created + password)) with the Nonce (Base64) and wsu:Created sent,
 *   Created within MAX_CLOCK_SKEW_MS of `nowMs`. Nonces are not remembered: a replayed token passes.
 * A missing or incomplete token is InvalidSecurity; a wrong name, password or stale token FailedAuthentication, with
 * one reason for all of them so that the answer does not tell which was wrong.
 */
export function checkUsernameToken(header: XmlElement | undefined, expected: UsernameCredentials, nowMs: number): TokenCheck {
  const invalid = (reason: string): TokenCheck => ({ ok: false, failure: 'InvalidSecurity', reason: `WS-Security: ${reason}` });
  const failed: TokenCheck = {
    ok: false,
    failure: 'FailedAuthentication',
    reason: 'WS-Security: the security token could not be authenticated',
  };
  const security = header && childElement(header, 'Security', WSSE_NS);
  const token = security && childElement(security, 'UsernameToken', WSSE_NS);
  if (token === undefined) return invalid('a wsse:Security header with a UsernameToken is required');
  const username = textOf(childElement(token, 'Username', WSSE_NS));
  const passwordEl = childElement(token, 'Password', WSSE_NS);
  if (username === '' || passwordEl === undefined) return invalid('the UsernameToken needs a Username and a Password');
  const type = attributeOf(passwordEl, 'Type') ?? PASSWORD_TEXT;
  const password = textOf(passwordEl);

  if (type === PASSWORD_TEXT) {
    return sameText(username, expected.username) && sameText(password, expected.password)
      ? { ok: true, passwordType: 'PasswordText' }
      : failed;
  }
  if (type !== PASSWORD_DIGEST) return invalid(`unsupported password type ${type}`);
  const nonce = textOf(childElement(token, 'Nonce', WSSE_NS));
  const created = textOf(childElement(token, 'Created', WSU_NS));
  if (nonce === '' || created === '') return invalid('a PasswordDigest needs a Nonce and a wsu:Created');
  const createdMs = Date.parse(created);
  if (!Number.isFinite(createdMs) || Math.abs(nowMs - createdMs) > MAX_CLOCK_SKEW_MS) return failed;
  return sameText(username, expected.username) && sameText(password, passwordDigest(nonce, created, expected.password))
    ? { ok: true, passwordType: 'PasswordDigest' }
    : failed;
}

/** The UsernameToken Profile digest: Base64(SHA-1(Base64-decoded nonce + created + password)). */
export function passwordDigest(nonceBase64: string, created: string, password: string): string {
  return createHash('sha1')
    .update(Buffer.concat([Buffer.from(nonceBase64, 'base64'), Buffer.from(created, 'utf8'), Buffer.from(password, 'utf8')]))
    .digest('base64');
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
