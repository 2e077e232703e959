import type { TargetRef } from '@junction/store';

/** How long a target whose deliveries all finished still counts as having work (see TargetSlots). */
export const RECENT_MS = 1000;

interface Entry {
  readonly target: TargetRef;
  held: number;
  /** When a slot was last taken or given back. */
  lastAt: number;
}

/**
 * Fair shares of an outbox worker's slots between the targets it delivers to, so that one slow or hung target never
 * holds the slots that other targets' deliveries need.
 *
 * A target has work while deliveries to it are in flight here, or were within RECENT_MS (a fast target's deliveries
 * finish between two claims: it keeps its share between them). With n targets having work, each may hold
 * floor(usable / n) deliveries at once, at least one; `usable` is the worker's slots less a headroom (an eighth,
 * at least one when there are two slots or more) that targets with work never take: routing and a target with
 * nothing in flight yet always find a slot. Once that target has work, the shares of the others shrink; a target over
 * its share keeps what it holds and takes no more until it is under.
 *
 * Deliveries over a target's share stay in the store: the worker leaves full targets out of its claims (`full`) and
 * gives back what a claim brought over the share. A target's bulkhead (`maxInFlight`, given by `limitOf`) caps its
 * share, whatever the fair share would allow. Costs O(targets) per call; there are few.
 */
export class TargetSlots {
  private readonly entries = new Map<string, Entry>();
  private readonly usable: number;

  constructor(
    slots: number,
    private readonly now: () => number = Date.now,
    /** A target's bulkhead: at most this many in flight (undefined: its fair share only). */
    private readonly limitOf: (target: TargetRef) => number | undefined = () => undefined,
  ) {
    const headroom = slots >= 2 ? Math.max(1, Math.floor(slots / 8)) : 0;
    this.usable = Math.max(1, slots - headroom);
  }

  /** Takes a slot for a delivery to `target` when it is under its share; false when it is not. */
  tryAcquire(target: TargetRef): boolean {
    const now = this.now();
    const key = keyOf(target);
    const entry = this.entries.get(key);
    if (entry ? entry.held >= this.shareOf(entry, now) : this.limitOf(target) === 0) return false;
    if (entry) {
      entry.held++;
      entry.lastAt = now;
    } else {
      this.entries.set(key, { target: { routeId: target.routeId, targetId: target.targetId }, held: 1, lastAt: now });
    }
    return true;
  }

  /** Gives back a slot taken with tryAcquire. */
  release(target: TargetRef): void {
    const entry = this.entries.get(keyOf(target));
    if (!entry || entry.held === 0) return;
    entry.held--;
    entry.lastAt = this.now();
  }

  /** How many deliveries to `target` may be in flight at once now. */
  share(target: TargetRef): number {
    const now = this.now();
    return Math.min(this.shareOf(this.entries.get(keyOf(target)), now), this.limitOf(target) ?? Infinity);
  }

  /** Deliveries to `target` in flight. */
  held(target: TargetRef): number {
    return this.entries.get(keyOf(target))?.held ?? 0;
  }

  /** The targets holding their share or more: the next claim leaves them out. */
  full(): TargetRef[] {
    const now = this.now();
    const share = this.shareFor(this.withWork(now));
    const full: TargetRef[] = [];
    for (const entry of this.entries.values()) {
      if (entry.held > 0 && entry.held >= Math.min(share, this.limitOf(entry.target) ?? Infinity)) full.push(entry.target);
    }
    return full;
  }

  private shareOf(entry: Entry | undefined, now: number): number {
    const others = this.withWork(now) - (entry && hasWork(entry, now) ? 1 : 0);
    const fair = this.shareFor(others + 1);
    const limit = entry && this.limitOf(entry.target);
    return limit === undefined ? fair : Math.min(fair, limit);
  }

  private shareFor(targets: number): number {
    return Math.max(1, Math.floor(this.usable / Math.max(1, targets)));
  }

  /** Targets with work now; forgets those idle for longer than RECENT_MS (a target dropped by a reload, say). */
  private withWork(now: number): number {
    let n = 0;
    for (const [key, entry] of this.entries) {
      if (hasWork(entry, now)) n++;
      else this.entries.delete(key);
    }
    return n;
  }
}

function hasWork(entry: Entry, now: number): boolean {
  return entry.held > 0 || now - entry.lastAt < RECENT_MS;
}

function keyOf(target: TargetRef): string {
  return `${target.routeId} ${target.targetId}`;
}
