/** A stored delivery as the tracker sees it (the store's StoredDelivery fits). */
export interface DeliveryRef {
  readonly id: string;
  readonly messageId: string;
  readonly correlationId: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Wire taps never settle their message. */
  readonly wireTap: boolean;
}

/** What an async message needs to be reported once its last delivery settles. */
export interface RoutedMessage {
  readonly route: string;
  readonly receivedAt: number;
}

/** A message whose last open delivery just settled. */
export interface Settlement extends RoutedMessage {
  readonly status: 'delivered' | 'dead';
}

interface Open extends RoutedMessage {
  remaining: number;
  dead: boolean;
}

/** Most messages and retries tracked at once; the oldest are dropped past it (they are then never reported). */
const LIMIT = 100_000;

/**
 * Follows async messages from their routing to their last delivery, in this instance, so that the message's
 * completion and end-to-end latency can be reported without asking the store: the worker tells how many
 * non-wire-tap deliveries a message got, and each final attempt (delivered or dead) counts one down. The store
 * settles the message by the same rule (dead if any delivery is dead).
 *
 * Also follows deliveries that wait for a retry: from the failed attempt until their next attempt or their due time.
 *
 * Limits: only what this instance routed is followed. A delivery routed by another instance, before a restart, or
 * put back by a replay settles nothing here; a routed message whose deliveries another instance makes stays until
 * the LIMIT drops it.
 */
export class DeliveryTracker {
  private readonly open = new Map<string, Open>();
  private readonly retries = new Map<string, { route: string; dueAt: number }>();

  /** An async message got `deliveries` non-wire-tap deliveries (more than 0). */
  routed(messageId: string, message: RoutedMessage, deliveries: number): void {
    if (deliveries <= 0) return;
    this.open.set(messageId, { route: message.route, receivedAt: message.receivedAt, remaining: deliveries, dead: false });
    if (this.open.size > LIMIT) this.open.delete(this.open.keys().next().value!);
  }

  /** The routing result did not reach the store: nothing to follow. */
  forget(messageId: string): void {
    this.open.delete(messageId);
  }

  /**
   * One attempt of `delivery` ended. Returns the settlement of its message when this was the message's last open
   * delivery. `nextAttemptAt` comes with a retry.
   */
  attempted(route: string, delivery: DeliveryRef, outcome: 'delivered' | 'retry' | 'dead', nextAttemptAt?: number): Settlement | undefined {
    this.retries.delete(delivery.id);
    if (outcome === 'retry') {
      this.retries.set(delivery.id, { route, dueAt: nextAttemptAt ?? 0 });
      if (this.retries.size > LIMIT) this.retries.delete(this.retries.keys().next().value!);
      return undefined;
    }
    if (delivery.wireTap) return undefined;
    const m = this.open.get(delivery.messageId);
    if (!m) return undefined;
    if (outcome === 'dead') m.dead = true;
    if (--m.remaining > 0) return undefined;
    this.open.delete(delivery.messageId);
    return { route: m.route, receivedAt: m.receivedAt, status: m.dead ? 'dead' : 'delivered' };
  }

  /** Deliveries waiting for a retry that is not due yet, by route; those due by `now` are dropped. */
  retryWaiting(now: number): Map<string, number> {
    const byRoute = new Map<string, number>();
    for (const [id, r] of this.retries) {
      if (r.dueAt <= now) this.retries.delete(id);
      else byRoute.set(r.route, (byRoute.get(r.route) ?? 0) + 1);
    }
    return byRoute;
  }

  /** Messages followed right now (for tests and the curious). */
  get size(): number {
    return this.open.size;
  }
}
