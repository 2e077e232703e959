import { ConfigError } from '@junction/core';
import { parseStoreUrl, redact } from './store-url';

describe('parseStoreUrl', () => {
  it.each([
    ['sqlite:./data/junction.db', { driver: 'sqlite', path: './data/junction.db' }],
    ['sqlite::memory:', { driver: 'sqlite', path: ':memory:' }],
    ['postgres://bus@db:5432/junction', { driver: 'postgres', url: 'postgres://bus@db:5432/junction', schema: undefined }],
    [
      'postgresql://bus:secret@db/junction?schema=bus_1&sslmode=disable',
      { driver: 'postgres', url: 'postgresql://bus:secret@db/junction?sslmode=disable', schema: 'bus_1' },
    ],
  ])('reads %s', (url, expected) => {
    expect(parseStoreUrl(url)).toEqual(expected);
  });

  it.each(['mysql://db/x', 'sqlite:', 'postgres://db/x?schema=a;drop'])('refuses %s', (url) => {
    expect(() => parseStoreUrl(url)).toThrow(ConfigError);
  });

  it('hides passwords', () => {
    expect(redact('postgres://bus:secret@db/junction')).toBe('postgres://bus:***@db/junction');
  });
});
