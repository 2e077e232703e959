import { InputError } from '@junction/core';
import { createXmlCodec } from '@junction/transform';
import { NonceCache } from './nonce-cache';
import { SOAP11_ENVELOPE_NS, buildEnvelope, parseEnvelope } from './soap-envelope';
import {
  PASSWORD_DIGEST,
  SecurityError,
  WSSE_NS,
  WSU_NS,
  passwordDigest,
  usernameTokenHeader,
  verifyUsernameToken,
  type UsernameTokenOptions,
} from './ws-security';

const codec = createXmlCodec();
const NOW = Date.parse('2026-03-01T12:00:00.000Z');
const users = new Map([['alice', 'p@ss w<rd>']]);

/** The header blocks of a SOAP 1.1 request carrying these header blocks. */
function headersOf(...blocks: string[]) {
  return parseEnvelope(buildEnvelope('1.1', '<p:Ping xmlns:p="urn:ping"/>', blocks), codec).headers;
}

function options(overrides: Partial<UsernameTokenOptions> = {}): UsernameTokenOptions {
  return { users, nonces: new NonceCache(), now: () => NOW, ...overrides };
}

function refusal(run: () => unknown): SecurityError {
  try {
    run();
  } catch (err) {
    if (err instanceof SecurityError) return err;
    throw err;
  }
  throw new Error('expected a SecurityError');
}

const token = (o: { password?: string; digest?: boolean; at?: number; nonce?: Buffer; username?: string } = {}) =>
  usernameTokenHeader({
    username: o.username ?? 'alice',
    password: o.password ?? 'p@ss w<rd>',
    digest: o.digest ?? true,
    now: () => o.at ?? NOW,
    nonce: o.nonce ?? Buffer.from('0123456789abcdef'),
  });

describe('verifyUsernameToken', () => {
  it.each([true, false])('accepts a token built by usernameTokenHeader (digest: %s)', (digest) => {
    expect(verifyUsernameToken(headersOf(token({ digest })), options())).toEqual({ username: 'alice' });
  });

  it('accepts users given as a record, and never a name inherited from Object.prototype', () => {
    expect(verifyUsernameToken(headersOf(token({ digest: false })), options({ users: { alice: 'p@ss w<rd>' } }))).toEqual({ username: 'alice' });
    const proto = refusal(() => verifyUsernameToken(headersOf(token({ username: 'constructor', password: 'x' })), options({ users: {} })));
    expect(proto.code).toBe('WSSE_FAILED');
  });

  it('resolves WS-Security names by namespace, with prefixes declared on the Envelope and a default Type', () => {
    const xml = `<s:Envelope xmlns:s="${SOAP11_ENVELOPE_NS}" xmlns:o="${WSSE_NS}" xmlns:u="${WSU_NS}"><s:Header>
      <o:Security s:mustUnderstand="1"><o:UsernameToken u:Id="t1"><o:Username> alice </o:Username><o:Password>p@ss w&lt;rd&gt;</o:Password>
      <u:Created>2026-03-01T11:59:00Z</u:Created></o:UsernameToken></o:Security></s:Header><s:Body/></s:Envelope>`;
    expect(verifyUsernameToken(parseEnvelope(xml, codec).headers, options())).toEqual({ username: 'alice' });
  });

  it('refuses a wrong password or an unknown user alike, without quoting either', () => {
    const wrong = refusal(() => verifyUsernameToken(headersOf(token({ password: 'guess-1' })), options()));
    const unknown = refusal(() => verifyUsernameToken(headersOf(token({ username: 'mallory', password: 'guess-2' })), options()));
    for (const err of [wrong, unknown]) {
      expect(err).toBeInstanceOf(InputError);
      expect(err).toMatchObject({ code: 'WSSE_FAILED', status: 401, retriable: false });
      expect(err.message).toBe('WS-Security: invalid username or password');
      expect(err.message).not.toMatch(/guess|p@ss|mallory/);
    }
    const text = refusal(() => verifyUsernameToken(headersOf(token({ password: 'guess-3', digest: false })), options()));
    expect(text.code).toBe('WSSE_FAILED');
    expect(text.message).not.toContain('guess-3');
  });

  it('refuses a replayed nonce within the window', () => {
    const opts = options();
    const header = headersOf(token());
    expect(verifyUsernameToken(header, opts)).toEqual({ username: 'alice' });
    expect(refusal(() => verifyUsernameToken(header, opts)).code).toBe('WSSE_REPLAY');
    // A different nonce goes through.
    expect(verifyUsernameToken(headersOf(token({ nonce: Buffer.from('another nonce!!!') })), opts)).toEqual({ username: 'alice' });
  });

  it('does not let a forged copy burn the nonce of a genuine request', () => {
    const opts = options();
    const nonce = Buffer.from('in-flight-nonce!');
    expect(refusal(() => verifyUsernameToken(headersOf(token({ password: 'forged', nonce })), opts)).code).toBe('WSSE_FAILED');
    expect(verifyUsernameToken(headersOf(token({ nonce })), opts)).toEqual({ username: 'alice' });
  });

  it.each([
    ['stale', NOW - 300_001, 'the token was created too long ago'],
    ['future', NOW + 300_001, 'the token was created in the future'],
  ])('refuses a %s Created', (_, at, why) => {
    const withoutTimestamp = token({ at }).replace(/<wsu:Timestamp>[^]*?<\/wsu:Timestamp>/, '');
    const err = refusal(() => verifyUsernameToken(headersOf(withoutTimestamp), options()));
    expect(err.code).toBe('WSSE_EXPIRED');
    expect(err.message).toBe(`WS-Security: ${why}`);
  });

  it('accepts Created at the edge of a custom skew and refuses past it', () => {
    expect(verifyUsernameToken(headersOf(token({ at: NOW - 60_000 })), options({ maxSkewMs: 60_000 }))).toEqual({ username: 'alice' });
    expect(refusal(() => verifyUsernameToken(headersOf(token({ at: NOW - 60_001 })), options({ maxSkewMs: 60_000 }))).code).toBe('WSSE_EXPIRED');
  });

  it('refuses an expired Timestamp and one created in the future', () => {
    const security = (created: string, expires: string) =>
      `<wsse:Security xmlns:wsse="${WSSE_NS}" xmlns:wsu="${WSU_NS}"><wsu:Timestamp><wsu:Created>${created}</wsu:Created>` +
      `<wsu:Expires>${expires}</wsu:Expires></wsu:Timestamp><wsse:UsernameToken><wsse:Username>alice</wsse:Username>` +
      `<wsse:Password>p@ss w&lt;rd&gt;</wsse:Password></wsse:UsernameToken></wsse:Security>`;
    const expired = refusal(() => verifyUsernameToken(headersOf(security('2026-03-01T11:50:00Z', '2026-03-01T11:59:59Z')), options()));
    expect(expired.code).toBe('WSSE_EXPIRED');
    expect(expired.message).toBe('WS-Security: the timestamp has expired');
    const future = refusal(() => verifyUsernameToken(headersOf(security('2026-03-01T12:10:00Z', '2026-03-01T12:20:00Z')), options()));
    expect(future.code).toBe('WSSE_EXPIRED');
    expect(verifyUsernameToken(headersOf(security('2026-03-01T11:59:00+00:00', '2026-03-01T12:04:00Z')), options())).toEqual({ username: 'alice' });
  });

  it.each([
    ['no header at all', [] as string[], 'WSSE_MISSING'],
    ['a Security header without UsernameToken', [`<wsse:Security xmlns:wsse="${WSSE_NS}"/>`], 'WSSE_MISSING'],
    ['a UsernameToken of another namespace', [`<wsse:Security xmlns:wsse="urn:not-wsse"><wsse:UsernameToken/></wsse:Security>`], 'WSSE_MISSING'],
    ['two Security headers', [token(), token()], 'WSSE_FAILED'],
  ])('refuses %s', (_, blocks, code) => {
    expect(refusal(() => verifyUsernameToken(headersOf(...blocks), options())).code).toBe(code);
  });

  it.each([
    ['a digest without nonce', (t: string) => t.replace(/<wsse:Nonce[^]*?<\/wsse:Nonce>/, '')],
    ['an unknown password type', (t: string) => t.replace(PASSWORD_DIGEST, 'urn:custom#Type')],
    ['a nonce in hex', (t: string) => t.replace(/EncodingType="[^"]*"/, 'EncodingType="urn:hex"')],
    ['a nonce that is not Base64', (t: string) => t.replace(/(<wsse:Nonce[^>]*>)[^<]*/, '$1***')],
    ['a Created without time zone', (t: string) => t.replace(/(<wsse:UsernameToken>[^]*<wsu:Created>)([^<]*)Z/, '$1$2')],
    ['a token without Password', (t: string) => t.replace(/<wsse:Password[^]*?<\/wsse:Password>/, '')],
  ])('refuses %s as WSSE_FAILED', (_, edit) => {
    const header = edit(token());
    expect(header).not.toBe(token());
    expect(refusal(() => verifyUsernameToken(headersOf(header), options())).code).toBe('WSSE_FAILED');
  });
});

describe('usernameTokenHeader', () => {
  it('writes the OASIS digest over nonce bytes, Created as written and the password', () => {
    const nonce = Buffer.from('0123456789abcdef');
    const header = token({ nonce });
    const created = new Date(NOW).toISOString();
    expect(header).toContain(`<wsse:Password Type="${PASSWORD_DIGEST}">${passwordDigest(nonce, created, 'p@ss w<rd>')}</wsse:Password>`);
    expect(header).toContain(`<wsse:Nonce EncodingType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary">${nonce.toString('base64')}</wsse:Nonce>`);
    expect(header).toContain(`<wsu:Created>${created}</wsu:Created></wsse:UsernameToken>`);
    expect(header).not.toContain('p@ss');
  });

  it('makes a fresh nonce on every call', () => {
    const a = usernameTokenHeader({ username: 'u', password: 'p', digest: true });
    const b = usernameTokenHeader({ username: 'u', password: 'p', digest: true });
    const nonceOf = (h: string) => /<wsse:Nonce[^>]*>([^<]*)</.exec(h)![1];
    expect(Buffer.from(nonceOf(a), 'base64')).toHaveLength(16);
    expect(nonceOf(a)).not.toBe(nonceOf(b));
  });
});

describe('NonceCache', () => {
  it('refuses a nonce until it expires', () => {
    const cache = new NonceCache();
    expect(cache.remember('n', 1_000, 0)).toBe(true);
    expect(cache.remember('n', 2_000, 999)).toBe(false);
    expect(cache.remember('n', 2_000, 1_000)).toBe(true);
  });

  it('stays within its bound: expired entries go first, then the oldest', () => {
    const cache = new NonceCache({ maxEntries: 3 });
    cache.remember('a', 100, 0);
    cache.remember('b', 5_000, 0);
    cache.remember('c', 5_000, 0);
    expect(cache.remember('d', 5_000, 200)).toBe(true); // 'a' has expired and is swept
    expect(cache.size).toBe(3);
    expect(cache.remember('e', 5_000, 300)).toBe(true); // full of live entries: the oldest ('b') is dropped
    expect(cache.size).toBe(3);
    expect(cache.remember('b', 5_000, 300)).toBe(true);
    expect(cache.remember('e', 5_000, 300)).toBe(false);
  });

  it('refuses a nonsensical bound', () => {
    expect(() => new NonceCache({ maxEntries: 0 })).toThrow(RangeError);
  });
});
