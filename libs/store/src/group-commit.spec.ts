import { BusError, StoreError } from '@junction/core';
import { GroupCommit } from './group-commit';

describe('GroupCommit', () => {
  it('batches the calls that arrive while a write is in flight', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const commit = new GroupCommit<number>(async (items) => {
      batches.push(items);
      if (batches.length === 1) await gate;
    });
    const first = [1, 2, 3].map((n) => commit.submit(n));
    await new Promise((resolve) => setImmediate(resolve));
    const second = [4, 5].map((n) => commit.submit(n));
    release();
    await Promise.all([...first, ...second]);
    expect(batches).toEqual([[1, 2, 3], [4, 5]]);
  });

  it('splits at the maximum batch size', async () => {
    const sizes: number[] = [];
    const commit = new GroupCommit<number>(async (items) => void sizes.push(items.length), 4);
    await Promise.all(Array.from({ length: 10 }, (_, i) => commit.submit(i)));
    expect(sizes).toEqual([4, 4, 2]);
  });

  it('writes a rejected batch again item by item so that only the culprit fails', async () => {
    const commit = new GroupCommit<number>(async (items) => {
      if (items.includes(13)) throw new BusError('STORE_REJECTED', 'duplicate', { retriable: false });
    });
    const results = await Promise.allSettled([12, 13, 14].map((n) => commit.submit(n)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });

  it('fails the whole batch on a retriable error, and refuses items once closed', async () => {
    const calls: number[][] = [];
    const commit = new GroupCommit<number>(async (items) => {
      calls.push(items);
      throw new StoreError('connection lost');
    });
    const results = await Promise.allSettled([1, 2].map((n) => commit.submit(n)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(calls).toEqual([[1, 2]]);
    await commit.close();
    await expect(commit.submit(3)).rejects.toBeInstanceOf(StoreError);
  });
});
