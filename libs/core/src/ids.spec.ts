import { validate, version } from 'uuid';
import { newMessageId } from './ids';

describe('newMessageId', () => {
  it('makes distinct UUIDv7s that sort in the order they were made, across refills of its random pool', () => {
    const ids = Array.from({ length: 5000 }, () => newMessageId());
    expect(ids.every((id) => validate(id) && version(id) === 7)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('carries the time it was made in its first 48 bits', () => {
    const before = Date.now();
    const id = newMessageId();
    const ms = parseInt(id.replace(/-/g, '').slice(0, 12), 16);
    // Within a burst the counter may carry into the next millisecond; never more than a few ahead.
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(Date.now() + 5);
  });
});
