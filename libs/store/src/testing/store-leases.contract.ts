import type { Store } from '../store.types';
import { sleep, unique, type StoreHarness } from './store-fixtures';

/**
 * Leases and ticks (LeaseStore), run against every driver. Two instances are two stores opened on the same database
 * (each with its own connections), so that "concurrent" means concurrent statements on the database, not calls
 * queued on one connection.
 */
export function describeLeases(h: StoreHarness): void {
  describe('leases and ticks', () => {
    let a: Store;
    let b: Store;
    beforeAll(async () => {
      a = await h.open({ instanceId: 'lease-a' });
      b = await h.open({ instanceId: 'lease-b' });
    });

    it('gives a lease to one instance while it runs, and renews it for its holder', async () => {
      const key = unique('lease');
      expect(await a.leases.tryLease(key, 60_000)).toBe(true);
      expect(await b.leases.tryLease(key, 60_000)).toBe(false);
      const first = await a.leases.readLease(key);
      expect(await a.leases.tryLease(key, 120_000)).toBe(true);
      const renewed = await a.leases.readLease(key);
      expect(renewed).toMatchObject({ key, owner: 'lease-a', tick: null, ticks: 0 });
      expect(renewed!.until).toBeGreaterThan(first!.until);
      expect(await b.leases.tryLease(key, 60_000)).toBe(false);
    });

    it('lets another instance take over a lease that ran out', async () => {
      const key = unique('lease');
      // Seconds, not milliseconds: on a loaded machine the second claim may come tens of ms after the first.
      expect(await a.leases.tryLease(key, 2000)).toBe(true);
      expect(await b.leases.tryLease(key, 60_000)).toBe(false);
      await sleep(2100);
      expect(await b.leases.tryLease(key, 60_000)).toBe(true);
      expect(await a.leases.tryLease(key, 60_000)).toBe(false);
      expect((await a.leases.readLease(key))?.owner).toBe('lease-b');
    });

    it('frees a lease its holder releases, and only its holder', async () => {
      const key = unique('lease');
      expect(await a.leases.tryLease(key, 60_000)).toBe(true);
      expect(await b.leases.releaseLease(key)).toBe(false);
      expect(await b.leases.tryLease(key, 60_000)).toBe(false);
      expect(await a.leases.releaseLease(key)).toBe(true);
      expect(await b.leases.tryLease(key, 60_000)).toBe(true);
      expect(await a.leases.releaseLease(key)).toBe(false);
      expect(await a.leases.readLease(unique('never'))).toBeNull();
    });

    it('grants a free lease to exactly one of several concurrent claimants', async () => {
      const keys = Array.from({ length: 30 }, () => unique('race'));
      for (const key of keys) {
        const claimants = [a, b, a, b];
        const won = await Promise.all(claimants.map((s) => s.leases.tryLease(key, 60_000)));
        const winners = new Set(claimants.filter((_, i) => won[i]));
        // One instance holds it; the holder's second call counts as a renewal, the other's as refused.
        expect(winners.size).toBe(1);
        const holder = (await a.leases.readLease(key))!.owner;
        expect(claimants.every((s, i) => won[i] === (s === (holder === 'lease-a' ? a : b)))).toBe(true);
      }
    });

    it('claims each tick once and in order, and numbers the claims across instances', async () => {
      const key = unique('ticks');
      expect(await a.leases.claimTick(key, 1_000, 60_000)).toBe(1);
      expect(await a.leases.claimTick(key, 1_000, 60_000)).toBeNull();
      expect(await b.leases.claimTick(key, 1_000, 60_000)).toBeNull();
      expect(await b.leases.claimTick(key, 2_000, 60_000)).toBe(2);
      // An older tick, late: never claimed once a later one was.
      expect(await a.leases.claimTick(key, 1_500, 60_000)).toBeNull();
      expect(await a.leases.claimTick(key, 3_000, 60_000)).toBe(3);
      expect(await b.leases.readLease(key)).toMatchObject({ key, owner: 'lease-a', tick: 3_000, ticks: 3 });
    });

    it('gives each tick to exactly one of several concurrent claimants', async () => {
      const keys = Array.from({ length: 10 }, () => unique('tick-race'));
      const ticks = 20;
      const base = Date.now();
      const wins = new Map<string, number>();
      for (let t = 1; t <= ticks; t++) {
        // Every key's tick t is claimed at once by four claimants on two instances: a fresh key races on the insert,
        // later ticks on the update of the existing row.
        const claims = keys.flatMap((key) => [a, b, a, b].map(async (s) => ({ key, seq: await s.leases.claimTick(key, base + t * 1000, 60_000) })));
        for (const { key, seq } of await Promise.all(claims)) {
          if (seq === null) continue;
          const id = `${key}@${t}`;
          wins.set(id, (wins.get(id) ?? 0) + 1);
          expect(seq).toBe(t);
        }
      }
      expect(wins.size).toBe(keys.length * ticks);
      expect([...wins.values()].every((n) => n === 1)).toBe(true);
      for (const key of keys) expect((await a.leases.readLease(key))?.ticks).toBe(ticks);
    });

    it('purges rows that ended long ago and keeps live ones', async () => {
      const ended = unique('ended');
      const held = unique('held');
      const leased = unique('leased');
      expect(await a.leases.claimTick(ended, 1, 0)).toBe(1);
      expect(await a.leases.claimTick(held, 1, 60_000)).toBe(1);
      // A shorter hold on a later tick does not shorten the row's hold.
      expect(await b.leases.claimTick(held, 2, 0)).toBe(2);
      expect(await a.leases.tryLease(leased, 60_000)).toBe(true);
      await sleep(60);
      expect(await b.leases.purgeLeases(30)).toBeGreaterThanOrEqual(1);
      expect(await a.leases.readLease(ended)).toBeNull();
      expect(await a.leases.readLease(held)).toMatchObject({ tick: 2, ticks: 2 });
      expect(await a.leases.readLease(leased)).toMatchObject({ owner: 'lease-a' });
      // A purged key starts afresh.
      expect(await b.leases.claimTick(ended, 1, 60_000)).toBe(1);
    });
  });
}
