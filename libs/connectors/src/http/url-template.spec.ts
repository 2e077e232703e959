import { StepError } from '@junction/core';
import { compileUrlTemplate, encodeComponent, renderUrl } from './url-encoding';
import { parseUrlTemplate, UrlTemplateError } from './url-template';

const bindings = { params: { id: '42' }, query: { since: '2024-01-01' }, headers: { 'x-tenant': 'acme' } };

async function resolve(url: string, body: unknown = {}, vars: Record<string, unknown> = bindings): Promise<string> {
  return compileUrlTemplate(parseUrlTemplate(url)).resolve(body, vars);
}

function refusal(url: string): string {
  try {
    compileUrlTemplate(parseUrlTemplate(url));
  } catch (err) {
    if (err instanceof UrlTemplateError) return err.message;
    throw err;
  }
  throw new Error(`${url} was accepted`);
}

describe('URL template: parsing', () => {
  it('takes a URL without expressions as the URL parser normalises it', () => {
    const t = parseUrlTemplate('http://CRM.example:80/a/./b/../c%41 d?x=1&y');
    expect(t).toMatchObject({ origin: 'http://crm.example', host: 'crm.example', shownPath: '/a/c%41%20d', expressions: [] });
    expect(t.fixed).toBe('/a/c%41%20d?x=1&y');
  });

  it('keeps expressions in the path and in query values, shown as written', () => {
    const t = parseUrlTemplate('https://crm:8443/customers/{customer.id}/orders/ord-{$params.id}.json?since={$query.since}&v=2');
    expect(t.origin).toBe('https://crm:8443');
    expect(t.expressions).toEqual(['customer.id', '$params.id', '$query.since']);
    expect(t.shownPath).toBe('/customers/{customer.id}/orders/ord-{$params.id}.json');
    expect(t.fixed).toBeUndefined();
    expect(t.segments).toEqual([['customers'], [{ expr: 0 }], ['orders'], ['ord-', { expr: 1 }, '.json']]);
    expect(t.query).toEqual([
      { name: 'since', value: [{ expr: 2 }] },
      { name: 'v', value: ['2'] },
    ]);
  });

  it('reads braces inside an expression\'s strings and object constructors as its own', () => {
    const t = parseUrlTemplate('http://h/x/{$lookup({"a}": "b{"}, "a}")}/{\'}\' & `a}b`}');
    expect(t.expressions).toEqual(['$lookup({"a}": "b{"}, "a}")', "'}' & `a}b`"]);
  });

  it.each([
    ['{$env}://crm/x', 'an expression may not stand in the scheme, host or port of a URL'],
    ['http://{host}/x', 'an expression may not stand in the scheme, host or port of a URL'],
    ['http://crm{suffix}/x', 'an expression may not stand in the scheme, host or port of a URL'],
    ['http://crm:{port}/x', 'an expression may not stand in the scheme, host or port of a URL'],
    ['http://user:{pw}@crm/x', 'an expression may not stand in the scheme, host or port of a URL'],
    ['http://crm/x?{name}=1', 'an expression may stand in a query value, not in a query name'],
    ['http://crm/x#{frag}', 'an expression may not stand in the fragment of a URL'],
    ['http://crm/a/{x}/../b', 'an expression was removed by a "." or ".." segment next to it'],
    ['http://crm/a/{x', 'the expression at position 13 has no closing "}"'],
    ['http://crm/a/x}', 'a "}" at position 14 closes no expression (write %7D for a literal brace)'],
    ['http://crm/a/{ }', 'an empty expression "{}" at position 13'],
    ['not a url', 'expected a URL'],
    ['ftp://crm/x', 'expected an http:// or https:// URL'],
  ])('refuses %s at load', (url, message) => {
    expect(refusal(url)).toBe(message);
  });

  it('refuses an expression with a syntax error, naming it by its number only', () => {
    expect(refusal('http://crm/a/{id}/{(}')).toMatch(/^expression 2 of the URL: JSONata syntax error at position \d+/);
  });
});

describe('URL template: one value is one segment', () => {
  // Each value must arrive as exactly one encoded segment or one query value: no new segment, no host change.
  it.each([
    ['../', '..%2F'],
    ['../../admin', '..%2F..%2Fadmin'],
    ['a?b=c', 'a%3Fb%3Dc'],
    ['a#frag', 'a%23frag'],
    ['a%2Fb', 'a%252Fb'],
    ['a/b', 'a%2Fb'],
    ['a b+c', 'a%20b%2Bc'],
    ['é/日本', '%C3%A9%2F%E6%97%A5%E6%9C%AC'],
    ["!'()*&=;,@:$", '%21%27%28%29%2A%26%3D%3B%2C%40%3A%24'],
    ['-._~', '-._~'],
    ['//evil.example', '%2F%2Fevil.example'],
  ])('encodes %j as one path segment', async (value, encoded) => {
    await expect(resolve('http://crm/customers/{id}/orders', { id: value })).resolves.toBe(`/customers/${encoded}/orders`);
    expect(encodeComponent(value)).toBe(encoded);
  });

  it('encodes a query value the same way, so & and = cannot add parameters', async () => {
    await expect(resolve('http://crm/x?q={q}&v=1', { q: 'a&admin=true#x' })).resolves.toBe('/x?q=a%26admin%3Dtrue%23x&v=1');
  });

  it('binds $params, $query and $headers as route expressions do', async () => {
    await expect(resolve('http://crm/c/{$params.id}/o?since={$query.since}&t={$headers.\'x-tenant\'}')).resolves.toBe(
      '/c/42/o?since=2024-01-01&t=acme',
    );
  });

  it('writes numbers and booleans as text', async () => {
    await expect(resolve('http://crm/p/{n}/{b}', { n: 7.5, b: false })).resolves.toBe('/p/7.5/false');
  });

  it('leaves out a query parameter whose expression alone gives nothing, and repeats one that gives an array', async () => {
    await expect(resolve('http://crm/x?since={missing}&tag={tags}&v=1', { tags: ['a b', 'c'] })).resolves.toBe(
      '/x?tag=a%20b&tag=c&v=1',
    );
    await expect(resolve('http://crm/x?since={missing}', {})).resolves.toBe('/x');
  });

  it.each([
    [{ id: '..' }, 'came out as ".."'],
    [{ id: '.' }, 'came out as "."'],
    [{ id: '' }, 'came out empty'],
    [{}, 'gave no value'],
    [{ id: null }, 'gave null'],
    [{ id: { a: 1 } }, 'gave an object'],
    [{ id: [1, 2] }, 'gave an array'],
    [{ id: '\ud800' }, 'not valid Unicode'],
  ])('fails the message when a path value is %j', async (body, message) => {
    const failure = resolve('http://crm/customers/{id}/orders', body);
    await expect(failure).rejects.toBeInstanceOf(StepError);
    await expect(failure).rejects.toThrow(message);
  });

  it('fails a query value that is part literal and gives nothing', async () => {
    await expect(resolve('http://crm/x?q=id:{id}', {})).rejects.toThrow('gave no value; a query value takes');
  });

  it('tells whether an expression reads the body', () => {
    expect(compileUrlTemplate(parseUrlTemplate('http://crm/c/{$params.id}?s={$query.s}')).readsBody).toBe(false);
    expect(compileUrlTemplate(parseUrlTemplate('http://crm/c/{customer.id}')).readsBody).toBe(true);
  });

  it('renders without evaluating when given the values', () => {
    expect(renderUrl(parseUrlTemplate('http://crm/{a}/{b}?c={c}'), ['x y', 3, undefined])).toBe('/x%20y/3');
  });
});
