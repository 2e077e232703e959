import { InputError } from '@junction/core';
import { compileFixture, compileProblems, inputMessage, target } from './testing/route-fixtures';

describe('compileRoute: idempotent', () => {
  const base = { id: 'r', from: { http: { path: '/r' } } };

  it.each<[string, string, unknown, string]>([
    ['a text key', 'order.id', { order: { id: 'A-1' } }, 'A-1'],
    ['a number key, as text', 'order.id', { order: { id: 17 } }, '17'],
    ['a key from a header', "$headers.'idempotency-key'", { a: 1 }, 'abc-123'],
    ['a composite key', "$headers.'x-tenant' & '/' & order.id", { order: { id: 3 } }, 'acme/3'],
    ['an object key, as JSON', 'order', { order: { id: 3, line: 1 } }, '{"id":3,"line":1}'],
  ])('keys: %s', async (_name, key, body, expected) => {
    const fixture = compileFixture({ ...base, idempotent: { key }, to: [target('a')] });
    const message = inputMessage(body, fixture.route.codec, { 'idempotency-key': 'abc-123', 'x-tenant': 'acme' });
    await expect(fixture.route.idempotent!.key(message)).resolves.toBe(expected);
  });

  it('refuses a message whose key expression gives nothing, as bad input', async () => {
    const fixture = compileFixture({ ...base, idempotent: { key: 'order.id' }, to: [target('a')] });
    for (const body of [{ other: 1 }, { order: { id: null } }, { order: { id: '' } }]) {
      const refused = fixture.route.idempotent!.key(inputMessage(body, fixture.route.codec));
      await expect(refused).rejects.toBeInstanceOf(InputError);
      await expect(refused).rejects.toMatchObject({ code: 'NO_IDEMPOTENCY_KEY', status: 400 });
    }
  });

  it('keeps keys for 7 days unless told otherwise', () => {
    expect(compileFixture({ ...base, idempotent: { key: 'id' }, to: [target('a')] }).route.idempotent!.retentionMs).toBe(7 * 86_400_000);
    expect(compileFixture({ ...base, idempotent: { key: 'id', retention: '90s' }, to: [target('a')] }).route.idempotent!.retentionMs).toBe(90_000);
  });

  it('reads the body only when its key does', () => {
    expect(compileFixture({ ...base, idempotent: { key: "$headers.'idempotency-key'" }, to: [target('a')] }).route.readsBody).toBe(false);
    expect(compileFixture({ ...base, idempotent: { key: 'order.id' }, to: [target('a')] }).route.readsBody).toBe(true);
    expect(compileFixture({ ...base, to: [target('a')] }).route.idempotent).toBeUndefined();
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a sync route', { mode: 'sync', idempotent: { key: 'id' } }, 'idempotent'],
    ['a key that is not JSONata', { idempotent: { key: 'order.' } }, 'idempotent.key'],
  ])('refuses %s at load', (_name, route, path) => {
    const result = compileProblems({ ...base, ...route, to: [target('a')] });
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.problems.map((p) => p.path.join('.'))).toEqual([path]);
  });
});
