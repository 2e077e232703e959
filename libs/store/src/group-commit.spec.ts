import { BusError, StoreError } from '@junction/core';
import { GroupCommit } from './group-commit';

describe('GroupCommit', () => {
  it('batches the calls that arrive while a write is in flight, and gives each its own result', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const commit = new GroupCommit<number, number>(async (items) => {
      batches.push(items);
      if (batches.length === 1) await gate;
      return items.map((n) => n * 10);
    });
    const first = [1, 2, 3].map((n) => commit.submit(n));
    await new Promise((resolve) => setImmediate(resolve));
    const second = [4, 5].map((n) => commit.submit(n));
    release();
    expect(await Promise.all([...first, ...second])).toEqual([10, 20, 30, 40, 50]);
    expect(batches).toEqual([[1, 2, 3], [4, 5]]);
  });

  it('splits at the maximum batch size', async () => {
    const sizes: number[] = [];
    const commit = new GroupCommit<number>(async (items) => {
      sizes.push(items.length);
      return items.map(() => undefined);
    }, 4);
    await Promise.all(Array.from({ length: 10 }, (_, i) => commit.submit(i)));
    expect(sizes).toEqual([4, 4, 2]);
  });

  it('writes a rejected batch again item by item so that only the culprit fails', async () => {
    const batches: number[][] = [];
    const commit = new GroupCommit<number, number>(async (items) => {
      batches.push(items);
      if (items.includes(13)) throw new BusError('STORE_REJECTED', 'duplicate', { retriable: false });
      return items;
    });
    const results = await Promise.allSettled([12, 13, 14].map((n) => commit.submit(n)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'STORE_REJECTED' });
    expect(batches).toEqual([[12, 13, 14], [12], [13], [14]]);
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

  it('flushed waits for the items submitted before it, not for those after, and counts failures as settled', async () => {
    const gates: (() => void)[] = [];
    const commit = new GroupCommit<number>(async (items) => {
      await new Promise<void>((resolve) => gates.push(resolve));
      if (items.includes(2)) throw new StoreError('connection lost');
      return items.map(() => undefined);
    });
    await expect(commit.flushed()).resolves.toBeUndefined();
    const first = commit.submit(1);
    const second = commit.submit(2);
    first.catch(() => undefined);
    second.catch(() => undefined);
    let flushed = false;
    const flush = commit.flushed().then(() => (flushed = true));
    await new Promise((resolve) => setImmediate(resolve));
    const later = commit.submit(3);
    expect(gates).toHaveLength(1);
    gates[0]();
    // One batch, failed as a whole: its items are settled all the same.
    await expect(first).rejects.toThrow('connection lost');
    await expect(second).rejects.toThrow('connection lost');
    await flush;
    expect(flushed).toBe(true);
    // The item submitted after the call is still being written: the flush did not wait for it.
    await new Promise((resolve) => setImmediate(resolve));
    expect(gates).toHaveLength(2);
    let laterFlushed = false;
    const laterFlush = commit.flushed().then(() => (laterFlushed = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(laterFlushed).toBe(false);
    gates[1]();
    await later;
    await laterFlush;
    expect(laterFlushed).toBe(true);
  });

  describe('lingering items', () => {
    const commitWithLinger = (lingerMs: number) => {
      const batches: string[][] = [];
      const commit = new GroupCommit<string>(async (items) => {
        batches.push(items);
        return items.map(() => undefined);
      }, 1000, lingerMs);
      return { commit, batches };
    };

    it('share one commit when they come within the linger', async () => {
      const { commit, batches } = commitWithLinger(1000);
      const first = commit.submit('a', true);
      // A turn of the event loop later, when an item that does not linger would already be written.
      await new Promise((resolve) => setImmediate(resolve));
      expect(batches).toEqual([]);
      const second = commit.submit('b', true);
      await Promise.all([first, second]);
      expect(batches).toEqual([['a', 'b']]);
    });

    it('are taken along at once by an item that does not linger, by flushed and by close', async () => {
      // A linger far longer than the test: only the early starts can settle these items.
      const { commit, batches } = commitWithLinger(600_000);
      const lingering = commit.submit('a', true);
      await new Promise((resolve) => setImmediate(resolve));
      expect(batches).toEqual([]);
      await Promise.all([lingering, commit.submit('urgent')]);
      expect(batches).toEqual([['a', 'urgent']]);

      const flushedOne = commit.submit('b', true);
      await commit.flushed();
      await flushedOne;
      expect(batches).toEqual([['a', 'urgent'], ['b']]);

      const closedOne = commit.submit('c', true);
      await commit.close();
      await closedOne;
      expect(batches).toEqual([['a', 'urgent'], ['b'], ['c']]);
    });

    it('start at once when they fill a batch', async () => {
      const batches: number[][] = [];
      const commit = new GroupCommit<number>(async (items) => {
        batches.push(items);
        return items.map(() => undefined);
      }, 3, 600_000);
      await Promise.all([1, 2, 3].map((n) => commit.submit(n, true)));
      expect(batches).toEqual([[1, 2, 3]]);
    });
  });
});
