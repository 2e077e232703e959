import type { Failure, Hop, NewMessage } from './store.types';

/** One aggregation group: the parts an aggregate step of a route holds under one correlation key. */
export interface GroupRef {
  readonly routeId: string;
  /** The aggregate step's place in its route (e.g. `steps.2`): a route may aggregate more than once. */
  readonly step: string;
  /** The correlation key the step's expression gave. */
  readonly key: string;
}

/**
 * A part an aggregate step holds, written with its message's routing result (RoutingResult.held), in the same
 * transaction: a crash either keeps both or neither. `messageId` + `partIndex` identify it: the same part held twice
 * (a routing result applied again) is kept once.
 */
export interface HeldPart extends GroupRef {
  readonly messageId: string;
  /** The split index of the part (`x-split-index`), 0 for a message that was not split. */
  readonly partIndex: number;
  readonly correlationId: string;
  readonly headers: Record<string, string>;
  readonly contentType: string;
  readonly body: Buffer;
  /** Parts that complete the group (a completion size, or the split's size); null when no count completes it. */
  readonly size: number | null;
  /** Every part makes the group due at once (a completion predicate must be evaluated on it). */
  readonly checkEach: boolean;
  /** How long the group may stay open from its first part before it is dead-lettered (the step's `timeout`). */
  readonly expireMs: number;
  /** Completion by timeout since the group's first part, or since its last part; null when not used. */
  readonly completeAfterFirstMs: number | null;
  readonly completeAfterLastMs: number | null;
}

/** An open group as the completer and the admin API see it. Times are epoch milliseconds. */
export interface HeldGroup extends GroupRef {
  readonly parts: number;
  /** Parts that complete the group, when known (see HeldPart.size). */
  readonly size: number | null;
  readonly firstAt: number;
  readonly lastAt: number;
  /** When the completer looks at the group next: now (complete or to check), or its earliest timeout. */
  readonly readyAt: number;
  /** When the group is dead-lettered if it is not complete by then. */
  readonly expiresAt: number;
  /** The instance completing the group now, if any. */
  readonly leaseOwner: string | null;
}

/** A part as read back for aggregation, in the order the parts came in. */
export interface GroupPart {
  readonly messageId: string;
  readonly partIndex: number;
  readonly correlationId: string;
  readonly headers: Record<string, string>;
  readonly contentType: string;
  readonly body: Buffer;
  readonly addedAt: number;
}

/** The message an aggregate becomes: routed by the outbox from after the aggregate step (source kind `aggregate`). */
export interface AggregateMessage extends NewMessage {
  readonly hops: Hop[];
}

export interface GroupFilter {
  readonly routeId?: string;
  /** Default 100, at most 1000. */
  readonly limit?: number;
}

/**
 * Where aggregation groups live between their parts, shared by the instances on one store (Camel's
 * `AggregationRepository` is the model: add, get, remove, confirm). Parts are added by Store.completeRouting with
 * the routing result of their message (RoutingResult.held); this interface reads and ends groups.
 *
 * Leases: a group being completed is leased to one instance (`claimGroups`, for `leaseMs`); `completeGroup`,
 * `expireGroup` and `releaseGroup` act only while this instance holds that lease and the group still has the parts
 * the caller saw, so that two instances never both complete a group and a part that came in meanwhile is never lost:
 * the group is then left (due again at once) for the next claim. A lease that runs out (a crashed instance) lets any
 * instance claim the group again.
 *
 * Errors: StoreError (retriable) when the database fails; nothing was changed then.
 */
export interface CorrelationStore {
  /** Leases up to `limit` groups due now (`readyAt` reached) whose lease is free or expired, oldest due first. */
  claimGroups(limit: number, leaseMs: number): Promise<HeldGroup[]>;
  /** The parts of a group, in the order they came in (then by part index). */
  readGroup(group: GroupRef): Promise<GroupPart[]>;
  /**
   * In one transaction: removes the group and its `parts` parts, inserts `aggregate` as a received message (claimable
   * now), and marks each part's message `aggregated` (once none of its parts is held any more), with a hop naming the
   * aggregate. False, with nothing changed, when the lease is lost or the group no longer has `parts` parts.
   */
  completeGroup(group: GroupRef, parts: number, aggregate: AggregateMessage): Promise<boolean>;
  /**
   * In one transaction: removes the group and its parts, and dead-letters the message of each part (status `dead`,
   * `failure` as the reason; a replay routes it again). False as for completeGroup.
   */
  expireGroup(group: GroupRef, parts: number, failure: Failure): Promise<boolean>;
  /** Gives the lease back, the group due again at `readyAt` (at once if parts came in meanwhile). */
  releaseGroup(group: GroupRef, parts: number, readyAt: number): Promise<boolean>;
  /** Open groups for the admin API, oldest first. */
  listGroups(filter?: GroupFilter): Promise<HeldGroup[]>;
  /** How many groups are open, and how many parts they hold. */
  countGroups(): Promise<{ groups: number; parts: number }>;
}
