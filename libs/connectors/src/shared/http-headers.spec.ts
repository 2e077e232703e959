import { forwardable, messageHeadersFrom } from './http-headers';

describe('messageHeadersFrom', () => {
  it('drops hop-by-hop headers and those the Connection header names, whatever their case there', () => {
    const headers = messageHeadersFrom({
      connection: 'keep-alive, X-Hop-Secret ,x-other',
      'x-hop-secret': 's3cret',
      'x-other': '1',
      'keep-alive': 'timeout=5',
      'proxy-authenticate': 'Basic',
      'proxy-authorization': 'Basic eA==',
      te: 'trailers',
      trailer: 'x-sum',
      upgrade: 'h2c',
      'x-end-to-end': 'kept',
    });
    expect(headers).toEqual({ 'x-end-to-end': 'kept' });
  });

  it.each([
    ['no X-Forwarded-For', undefined, '192.0.2.1', '192.0.2.1'],
    ['an X-Forwarded-For from an earlier proxy', '203.0.113.7', '192.0.2.1', '203.0.113.7, 192.0.2.1'],
    ['an IPv4-mapped IPv6 peer', '203.0.113.7, 198.51.100.2', '::ffff:192.0.2.1', '203.0.113.7, 198.51.100.2, 192.0.2.1'],
    ['an IPv6 peer', undefined, '::1', '::1'],
  ])("appends the caller's address to %s", (_name, given, peer, expected) => {
    const headers = messageHeadersFrom({ ...(given ? { 'x-forwarded-for': given } : {}) }, peer);
    expect(headers['x-forwarded-for']).toBe(expected);
  });

  it('leaves X-Forwarded-For alone without a peer (broker headers)', () => {
    expect(messageHeadersFrom({ 'x-forwarded-for': '203.0.113.7' })).toEqual({ 'x-forwarded-for': '203.0.113.7' });
    expect(messageHeadersFrom({})).toEqual({});
  });
});

describe('forwardable', () => {
  it("drops the headers a target's reply names in its Connection header, and the hop-by-hop ones", () => {
    expect(forwardable({ connection: 'close, x-internal', 'x-internal': 'node-7', 'keep-alive': 'timeout=5', 'x-request-id': 'r1' })).toEqual({
      'x-request-id': 'r1',
    });
  });
});
