import { InputError, StoreError } from '@junction/core';
import { PoisonRule } from './poison-rule';

describe('PoisonRule', () => {
  const rule = () => new PoisonRule(3);

  it('lets work run for up to maxClaims claims, and gives it up at the next one with the count as its reason', () => {
    const r = rule();
    for (const claims of [1, 2, 3]) expect(r.overClaimed('m1', claims)).toBeUndefined();
    expect(r.overClaimed('m1', 4)).toEqual({
      code: 'POISON',
      message: 'claimed 4 times without an outcome (POISON_MAX_CLAIMS is 3): the work crashed, hung or failed each time',
    });
  });

  it('gives work up at once on an error that is not retriable, whatever threw it', () => {
    const r = rule();
    expect(r.failed('m1', new RangeError('Maximum call stack size exceeded'))).toEqual({
      code: 'INTERNAL',
      message: 'Maximum call stack size exceeded',
    });
    expect(r.failed('m2', new InputError('BODY_UNSERIALISABLE', 'cannot be written as JSON'))).toEqual({
      code: 'BODY_UNSERIALISABLE',
      message: 'cannot be written as JSON',
    });
    expect(r.failed('m3', 'a string')).toEqual({ code: 'INTERNAL', message: 'a string' });
  });

  it('leaves work that failed with a retriable error to its next claim, and quotes that error when it gives up', () => {
    const r = rule();
    expect(r.failed('d1', new StoreError('database is locked'))).toBeUndefined();
    expect(r.overClaimed('d1', 4)?.message).toMatch(/; last error: STORE_UNAVAILABLE: database is locked$/);
    // Quoted once: the reason of another id, or of the same id later, does not carry it.
    expect(r.overClaimed('d1', 5)?.message).not.toContain('last error');
  });

  it('forgets the last error of work that reached an outcome', () => {
    const r = rule();
    r.failed('d1', new StoreError('database is locked'));
    r.done('d1');
    expect(r.overClaimed('d1', 4)?.message).not.toContain('last error');
  });

  it('remembers a bounded number of errors, the newest', () => {
    const r = rule();
    for (let i = 0; i <= 1000; i++) r.failed(`d${i}`, new StoreError(`failure ${i}`));
    expect(r.overClaimed('d0', 4)?.message).not.toContain('last error');
    expect(r.overClaimed('d1000', 4)?.message).toContain('failure 1000');
  });
});
