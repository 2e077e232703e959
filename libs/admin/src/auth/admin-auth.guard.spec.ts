import { fromSameOrigin } from './admin-auth.guard';
import { digest, matchesDigest } from './secrets';

describe('fromSameOrigin', () => {
  const host = 'bus.example.com';
  it.each([
    [{}, true],
    [{ origin: 'https://bus.example.com' }, true],
    [{ origin: 'https://bus.example.com', 'sec-fetch-site': 'same-origin' }, true],
    [{ origin: 'https://evil.example' }, false],
    [{ origin: 'null' }, false],
    [{ origin: 'not a url' }, false],
    [{ origin: 'https://bus.example.com:8443' }, false],
    [{ 'sec-fetch-site': 'cross-site' }, false],
    [{ origin: 'https://bus.example.com', 'sec-fetch-site': 'same-site' }, false],
    // The forwarded host is not read here: request.host carries it only when TRUST_PROXY trusts the sender.
    [{ origin: 'https://evil.example', 'x-forwarded-host': 'evil.example' }, false],
  ])('headers %j: %s', (headers, expected) => {
    expect(fromSameOrigin({ headers, host })).toBe(expected);
  });
});

describe('matchesDigest', () => {
  it('compares secrets of any length without throwing, the right one only', () => {
    expect(matchesDigest('s3cret', digest('s3cret'))).toBe(true);
    expect(matchesDigest('s3cre', digest('s3cret'))).toBe(false);
    expect(matchesDigest('x'.repeat(10_000), digest('s3cret'))).toBe(false);
    expect(matchesDigest('', digest(''))).toBe(true);
  });
});
