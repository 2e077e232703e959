import type { Dispatch } from '@junction/routing';
import type { NewDelivery } from '@junction/store';

/**
 * Chains the deliveries of an ordered split (Dispatch.ordered): per target, in dispatch order (document order), each
 * names the next as `thenId`, and every one but the first waits. The store makes the next one due in the transaction
 * that records the one before it as delivered or dead, so the order holds across restarts and instances. Returns the
 * deliveries unchanged (the same array) when no dispatch is ordered: other routes pay one scan of their dispatches.
 */
export function chainOrderedParts(dispatches: readonly Dispatch[], deliveries: NewDelivery[]): NewDelivery[] {
  if (!dispatches.some((d) => d.ordered)) return deliveries;
  const last = new Map<string, NewDelivery>();
  return deliveries.map((delivery, i) => {
    const d = dispatches[i];
    if (!d.ordered || d.wireTap) return delivery;
    const before = last.get(d.target.id);
    const chained = before ? { ...delivery, waiting: true } : { ...delivery };
    if (before) before.thenId = chained.id;
    last.set(d.target.id, chained);
    return chained;
  });
}

/** The ordered dispatches that will wait (all but the first to each target); empty when none is ordered. */
export function waitingParts(dispatches: readonly Dispatch[]): ReadonlySet<Dispatch> {
  const waits = new Set<Dispatch>();
  if (!dispatches.some((d) => d.ordered)) return waits;
  const seen = new Set<string>();
  for (const d of dispatches) {
    if (!d.ordered || d.wireTap) continue;
    if (seen.has(d.target.id)) waits.add(d);
    else seen.add(d.target.id);
  }
  return waits;
}

/**
 * Sync routes: delivers every direct dispatch, those of an ordered split to one target one after the other in
 * dispatch order, the rest at once. Results come back in the order of `dispatches`.
 */
export async function deliverInTurn<R>(dispatches: readonly Dispatch[], deliver: (d: Dispatch, i: number) => Promise<R>): Promise<R[]> {
  if (!dispatches.some((d) => d.ordered)) return Promise.all(dispatches.map(deliver));
  const results: R[] = new Array(dispatches.length);
  const chains = new Map<string, number[]>();
  const alone: number[] = [];
  dispatches.forEach((d, i) => {
    if (!d.ordered) alone.push(i);
    else chains.set(d.target.id, [...(chains.get(d.target.id) ?? []), i]);
  });
  await Promise.all([
    ...alone.map(async (i) => void (results[i] = await deliver(dispatches[i], i))),
    ...[...chains.values()].map(async (chain) => {
      for (const i of chain) results[i] = await deliver(dispatches[i], i);
    }),
  ]);
  return results;
}
