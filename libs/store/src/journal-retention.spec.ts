import { silentLogger, StoreError, type Logger } from '@junction/core';
import { JournalRetention, PURGE_LEASE, retentionInterval } from './journal-retention';
import type { PurgeOptions, RetentionPolicy } from './retention.types';
import type { Store } from './store.types';
import { sleep } from './testing/store-fixtures';

const POLICY: RetentionPolicy = { ageMs: 5_000, deadLetterAgeMs: 60_000 };

/** A store whose purge is recorded; `lease` says whether this instance gets the purge lease. */
function fakeStore(lease: () => boolean, purge: (options?: PurgeOptions) => Promise<void> = async () => undefined) {
  const calls: Array<{ policy: RetentionPolicy; options?: PurgeOptions }> = [];
  const leases: string[] = [];
  const store = {
    leases: { tryLease: async (key: string) => (leases.push(key), lease()) },
    purgeJournal: async (policy: RetentionPolicy, options?: PurgeOptions) => {
      calls.push({ policy, options });
      await purge(options);
      return { messages: 1, forSize: 0, batches: 1, ms: 1 };
    },
  } as unknown as Pick<Store, 'purgeJournal' | 'leases'>;
  return { store, calls, leases };
}

describe('retentionInterval', () => {
  it.each([
    [{ ageMs: 604_800_000, deadLetterAgeMs: 1 }, 10_000],
    [{ ageMs: 604_800_000, deadLetterAgeMs: 1, routeAgeMs: { fast: 4_000 } }, 2_000],
    [{ ageMs: 1_000, deadLetterAgeMs: 1 }, 1_000],
  ])('purges often enough for the shortest age, within 1 s to 10 s: %j', (policy, ms) => {
    expect(retentionInterval(policy)).toBe(ms);
  });
});

describe('JournalRetention', () => {
  it('purges in the background under the purge lease, with the policy of the moment, pass after pass', async () => {
    const { store, calls, leases } = fakeStore(() => true);
    let policy = POLICY;
    const retention = new JournalRetention(store, { policy: () => policy, intervalMs: 20, batch: 7 }, silentLogger);
    retention.start();
    await sleep(100);
    policy = { ...POLICY, routeAgeMs: { r: 1_000 } };
    await sleep(100);
    await retention.stop();
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(calls[0]).toMatchObject({ policy: POLICY, options: { batch: 7 } });
    expect(calls[calls.length - 1].policy.routeAgeMs).toEqual({ r: 1_000 });
    expect(new Set(leases)).toEqual(new Set([PURGE_LEASE]));
    const after = calls.length;
    await sleep(60);
    expect(calls.length).toBe(after);
  });

  it('leaves the purge to the instance holding the lease', async () => {
    const { store, calls } = fakeStore(() => false);
    const retention = new JournalRetention(store, { policy: () => POLICY, intervalMs: 10 }, silentLogger);
    expect(await retention.runOnce()).toBeNull();
    expect(calls).toEqual([]);
  });

  it('logs a failed pass and keeps going; stop ends the pass under way and waits for it', async () => {
    let failing = true;
    let started = false;
    let aborted = false;
    const { store, calls } = fakeStore(
      () => true,
      async (options) => {
        if (failing) throw new StoreError('database unreachable');
        started = true;
        await new Promise<void>((resolve) => options?.signal?.addEventListener('abort', () => resolve()));
        aborted = options?.signal?.aborted ?? false;
      },
    );
    const warnings: string[] = [];
    const log: Logger = { ...silentLogger, warn: (_o, m) => void warnings.push(m ?? '') };
    const retention = new JournalRetention(store, { policy: () => POLICY, intervalMs: 10 }, log);
    retention.start();
    await sleep(50);
    failing = false;
    // Generous: timers run late on a busy machine.
    for (let i = 0; i < 500 && !started; i++) await sleep(10);
    await retention.stop();
    expect(warnings[0]).toMatch(/journal purge failed/);
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(aborted).toBe(true);
  });
});

describe('JournalRetention and idempotency keys', () => {
  it('purges lapsed idempotency keys in each pass it holds the lease for, and none without it', async () => {
    let holds = true;
    const { store } = fakeStore(() => holds);
    let purged = 0;
    const withKeys = { ...store, idempotent: { purgeKeys: async () => ++purged } } as unknown as Pick<Store, 'purgeJournal' | 'leases' | 'idempotent'>;
    const retention = new JournalRetention(withKeys, { policy: () => POLICY }, silentLogger);
    await retention.runOnce();
    expect(purged).toBe(1);
    holds = false;
    expect(await retention.runOnce()).toBeNull();
    expect(purged).toBe(1);
  });
});
