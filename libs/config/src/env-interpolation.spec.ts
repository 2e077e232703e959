import { interpolate, isWholePlaceholder } from './env-interpolation';

describe('interpolate', () => {
  const env = { HOST: 'crm.local', PORT: '8443', EMPTY: '', TOKEN: 's3cr3t' };

  it.each([
    ['no placeholder', 'http://x/orders', 'http://x/orders'],
    ['whole string', '${HOST}', 'crm.local'],
    ['embedded, several per string', 'https://${HOST}:${PORT}/orders', 'https://crm.local:8443/orders'],
    ['default when unset', '${NOPE:-http://localhost:4010}/orders', 'http://localhost:4010/orders'],
    ['default when empty', '${EMPTY:-fallback}', 'fallback'],
    ['value wins over default', '${HOST:-other}', 'crm.local'],
    ['empty default', 'a${NOPE:-}b', 'ab'],
    ['default with colons and slashes', '${NOPE:-sqlite::memory:}', 'sqlite::memory:'],
    ['empty value without default', '[${EMPTY}]', '[]'],
    ['$${ is a literal ${', 'cost: $${price}', 'cost: ${price}'],
    ['escape next to a placeholder', '$${HOST}=${HOST}', '${HOST}=crm.local'],
    ['other $ signs stay (JSONata)', '$sum(items.price) + $$.total', '$sum(items.price) + $$.total'],
  ])('%s', (_name, template, expected) => {
    const r = interpolate(template, env);
    expect(r.value).toBe(expected);
    expect(r.missing).toEqual([]);
    expect(r.invalid).toEqual([]);
  });

  it('reports each unset variable without a default, by name', () => {
    const r = interpolate('${A}/${TOKEN}/${B}/${A}', env);
    expect(r.missing).toEqual(['A', 'B', 'A']);
    expect(r.invalid).toEqual([]);
  });

  it.each([
    ['spaces inside', 'x ${ HOST } y', '${ HOST }'],
    ['name starting with a digit', '${1HOST}', '${1HOST}'],
    ['unclosed', 'http://${HOST', '${HOST'],
    ['nested placeholder in a default', '${A:-${B}}', '${A:-${B}'],
    ['empty name', '${}', '${}'],
  ])('reports a malformed placeholder as written: %s', (_name, template, written) => {
    expect(interpolate(template, env).invalid).toEqual([written]);
  });

  it('tells whether anything was replaced', () => {
    expect(interpolate('plain', env).replaced).toBe(false);
    expect(interpolate('$${x}', env).replaced).toBe(false);
    expect(interpolate('${HOST}', env).replaced).toBe(true);
  });
});

describe('isWholePlaceholder', () => {
  it.each([
    ['${PORT}', true],
    ['${PORT:-8080}', true],
    [' ${PORT}', false],
    ['${PORT}/x', false],
    ['${A}${B}', false],
    ['$${PORT}', false],
  ])('%s -> %s', (template, expected) => {
    expect(isWholePlaceholder(template)).toBe(expected);
  });
});
