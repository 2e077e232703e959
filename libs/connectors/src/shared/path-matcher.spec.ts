import { PathMatcher } from './path-matcher';
import { pathKey, pathPatternProblems, pathSegments } from './path-pattern';

describe('path patterns', () => {
  it('reads a whole segment :name as a parameter and a colon inside a segment as text', () => {
    expect(pathSegments('/customers/:id/orders:batch')).toEqual([{ literal: 'customers' }, { param: 'id' }, { literal: 'orders:batch' }]);
  });

  it.each([
    ['/customers/:id', []],
    ['/orders:batch', []],
    ['/a/:', ['a segment starting with ":" is a parameter: ":" then a name of letters, digits and "_"']],
    ['/a/:1x', ['a segment starting with ":" is a parameter: ":" then a name of letters, digits and "_"']],
    ['/a/:id-x', ['a segment starting with ":" is a parameter: ":" then a name of letters, digits and "_"']],
    ['/a/:id/b/:id', ['path parameter "id" appears twice']],
  ])('checks %s', (path, problems) => {
    expect(pathPatternProblems(path)).toEqual(problems);
  });

  it('leaves parameter names out of the claim, so that two patterns differing only by them conflict', () => {
    expect(pathKey('/customers/:id/orders/:orderId')).toBe('/customers/:/orders/:');
    expect(pathKey('/customers/:key/orders/:n')).toBe(pathKey('/customers/:id/orders/:orderId'));
    expect(pathKey('/orders:batch')).toBe('/orders:batch');
  });
});

describe('PathMatcher', () => {
  const matcher = new PathMatcher<string>([
    ['GET', '/customers/:id', 'customer'],
    ['GET', '/customers/new', 'new-form'],
    ['POST', '/customers/search', 'search'],
    ['GET', '/customers/:id/orders/:orderId', 'order'],
    ['GET', '/a/:x/c', 'a-x-c'],
    ['GET', '/a/b/:y', 'a-b-y'],
    ['DELETE', '/customers/:key', 'delete'],
    ['POST', '/orders', 'orders'],
  ]);
  const hit = (method: string, path: string) => matcher.match(method, path);

  it('matches a literal path with no parameters', () => {
    expect(hit('POST', '/orders')).toEqual({ value: 'orders', params: {} });
  });

  it('captures parameters by the names of the matching pattern, per method', () => {
    expect(hit('GET', '/customers/42')).toEqual({ value: 'customer', params: { id: '42' } });
    expect(hit('DELETE', '/customers/42')).toEqual({ value: 'delete', params: { key: '42' } });
    expect(hit('GET', '/customers/42/orders/7')).toEqual({ value: 'order', params: { id: '42', orderId: '7' } });
  });

  it('prefers a literal path, then a literal segment, over a parameter', () => {
    expect(hit('GET', '/customers/new')).toEqual({ value: 'new-form', params: {} });
    expect(hit('GET', '/a/b/c')).toEqual({ value: 'a-b-y', params: { y: 'c' } });
    expect(hit('GET', '/a/z/c')).toEqual({ value: 'a-x-c', params: { x: 'z' } });
  });

  it('falls back to a pattern when the literal path does not take the method', () => {
    expect(hit('GET', '/customers/search')).toEqual({ value: 'customer', params: { id: 'search' } });
  });

  it('decodes a parameter once and refuses one holding a slash or bad encoding', () => {
    expect(hit('GET', '/customers/a%20b%C3%A9')).toEqual({ value: 'customer', params: { id: 'a bé' } });
    expect(hit('GET', '/customers/a%252Fb')).toEqual({ value: 'customer', params: { id: 'a%2Fb' } });
    expect(hit('GET', '/customers/a%2Fb')).toEqual({ refused: 'path parameter "id" may not contain "/"' });
    expect(hit('GET', '/customers/%E0%A4')).toEqual({ refused: 'path parameter "id" is not valid percent-encoded UTF-8' });
  });

  it('matches a parameter to one non-empty segment only', () => {
    expect(hit('GET', '/customers/')).toBeUndefined();
    expect(hit('GET', '/customers//orders/1')).toBeUndefined();
    expect(hit('GET', '/customers/1/2')).toBeUndefined();
    expect(hit('GET', '/customers/1/orders/2/3')).toBeUndefined();
  });

  it('keeps a parameter named __proto__ a plain key', () => {
    const m = new PathMatcher([['GET', '/x/:__proto__', 'x']]).match('GET', '/x/1');
    expect(m && 'params' in m && Object.keys(m.params)).toEqual(['__proto__']);
  });

  it('names the methods a path takes, for a 405', () => {
    expect(matcher.methodsAt('/customers/42')).toEqual(['DELETE', 'GET']);
    expect(matcher.methodsAt('/customers/search')).toEqual(['DELETE', 'GET', 'POST']);
    expect(matcher.methodsAt('/orders')).toEqual(['POST']);
    expect(matcher.methodsAt('/nothing')).toEqual([]);
  });

  it('lets a later entry for the same method and pattern replace an earlier one', () => {
    const m = new PathMatcher([
      ['GET', '/c/:id', 'first'],
      ['GET', '/c/:key', 'second'],
    ]);
    expect(m.match('GET', '/c/1')).toEqual({ value: 'second', params: { key: '1' } });
  });
});
