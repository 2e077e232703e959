import { childElement, topElements, type XmlElement } from './sandbox.soap';
import { checkUsernameToken, PASSWORD_DIGEST, PASSWORD_TEXT, passwordDigest, WSSE_NS, WSU_NS } from './sandbox.wssecurity';

const expected = { username: 'erp', password: 'erp-secret' };
const NOW = Date.parse('2025-03-01T10:00:00Z');
const NONCE = Buffer.from('0123456789abcdef').toString('base64');
const USER = '<s:Username>erp</s:Username>';

/** The Header element of an envelope whose header holds `security`. */
function header(security: string): XmlElement {
  const xml = `<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Header>${security}</e:Header><e:Body/></e:Envelope>`;
  const header = childElement(topElements(xml)[0], 'Header');
  if (!header) throw new Error('no Header');
  return header;
}

const token = (inner: string, ns = WSSE_NS) =>
  header(`<s:Security xmlns:s="${ns}" xmlns:u="${WSU_NS}"><s:UsernameToken>${inner}</s:UsernameToken></s:Security>`);
const digestToken = (password: string, created: string) =>
  token(
    `<s:Username>erp</s:Username><s:Password Type="${PASSWORD_DIGEST}">${passwordDigest(NONCE, created, password)}</s:Password>` +
      `<s:Nonce>${NONCE}</s:Nonce><u:Created>${created}</u:Created>`,
  );

describe('checkUsernameToken', () => {
  it.each([
    ['a PasswordText token', token(`<s:Username>erp</s:Username><s:Password Type="${PASSWORD_TEXT}">erp-secret</s:Password>`), 'PasswordText'],
    ['a Password without Type (text)', token('<s:Username>erp</s:Username><s:Password>erp-secret</s:Password>'), 'PasswordText'],
    ['a PasswordDigest token created now', digestToken('erp-secret', '2025-03-01T10:00:00Z'), 'PasswordDigest'],
    ['a PasswordDigest token within the clock skew', digestToken('erp-secret', '2025-03-01T10:04:00Z'), 'PasswordDigest'],
  ])('accepts %s', (_name, h, passwordType) => {
    expect(checkUsernameToken(h, expected, NOW)).toEqual({ ok: true, passwordType });
  });

  it.each([
    ['no header at all', undefined, 'InvalidSecurity', /UsernameToken is required/],
    ['a Security header in another namespace', token(`${USER}<s:Password>erp-secret</s:Password>`, 'urn:other'), 'InvalidSecurity', /required/],
    ['no Password', token(USER), 'InvalidSecurity', /needs a Username and a Password/],
    ['an unknown password type', token(`${USER}<s:Password Type="urn:x#Hash">h</s:Password>`), 'InvalidSecurity', /unsupported password type/],
    ['a digest without Nonce', token(`${USER}<s:Password Type="${PASSWORD_DIGEST}">x</s:Password>`), 'InvalidSecurity', /Nonce and a wsu:Created/],
    ['a wrong text password', token('<s:Username>erp</s:Username><s:Password>nope</s:Password>'), 'FailedAuthentication', /could not be authenticated/],
    ['a wrong user', token('<s:Username>root</s:Username><s:Password>erp-secret</s:Password>'), 'FailedAuthentication', /could not be authenticated/],
    ['a digest of the wrong password', digestToken('nope', '2025-03-01T10:00:00Z'), 'FailedAuthentication', /could not be authenticated/],
    ['a digest created 6 minutes ago', digestToken('erp-secret', '2025-03-01T09:54:00Z'), 'FailedAuthentication', /could not be authenticated/],
    ['a digest created 6 minutes ahead', digestToken('erp-secret', '2025-03-01T10:06:00Z'), 'FailedAuthentication', /could not be authenticated/],
  ])('refuses %s', (_name, h, failure, reason) => {
    expect(checkUsernameToken(h, expected, NOW)).toEqual({ ok: false, failure, reason: expect.stringMatching(reason) });
  });
});
