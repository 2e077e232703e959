import { sinceMs } from './admin.commands';
import { AdminClient } from './admin-client';
import { CliError, EXIT } from './exit-codes';

describe('--since', () => {
  const now = Date.parse('2026-03-01T12:00:00Z');
  test.each([
    ['30s', now - 30_000],
    ['15m', now - 15 * 60_000],
    ['2h', now - 2 * 3_600_000],
    ['7d', now - 7 * 86_400_000],
    ['1767225600000', 1767225600000],
    ['2026-02-28T08:00:00Z', Date.parse('2026-02-28T08:00:00Z')],
  ])('%s', (value, expected) => expect(sinceMs(value, now)).toBe(expected));

  test.each(['last tuesday', '15x', ''])('"%s" is a usage error (exit 2)', (value) => {
    expect(() => sinceMs(value, now)).toThrow(expect.objectContaining({ exitCode: EXIT.USAGE }));
  });
});

describe('the admin client', () => {
  test.each(['not a url', 'ftp://bus:21', ''])('a JUNCTION_URL of "%s" is a usage error', (url) => {
    let error: unknown;
    try {
      new AdminClient({ url });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(EXIT.USAGE);
  });
});
