import type { Hop, SourceVars } from '@junction/core';
import type { LeaseStore } from './lease.types';
import type { IdempotentRepository } from './idempotent.types';
import type { CorrelationStore, HeldPart } from './correlation.types';
import type { JournalSize, PurgeOptions, PurgeReport, RetentionPolicy } from './retention.types';

export type { Hop, SourceVars };
export type { JournalSize, PurgeOptions, PurgeReport, RetentionPolicy };

/**
 * Where a message stands.
 * - `received`: stored, waiting to be routed (async routes);
 * - `pending`: routed, deliveries outstanding;
 * - `delivered`: every (non-wire-tap) delivery done;
 * - `filtered`: a filter dropped it;
 * - `dead`: a step failed or a delivery was dead-lettered;
 * - `duplicate`: an idempotent route had seen its key (IdempotentRepository); acknowledged, never delivered;
 * - `held`: an aggregate step holds it (or its parts) in a group (see CorrelationStore);
 * - `aggregated`: its group completed; the aggregate is a message of its own, named in this one's hops.
 */
export type MessageStatus = 'received' | 'pending' | 'delivered' | 'filtered' | 'dead' | 'duplicate' | 'held' | 'aggregated';
export const MESSAGE_STATUSES: readonly MessageStatus[] = ['received', 'pending', 'delivered', 'filtered', 'dead', 'duplicate', 'held', 'aggregated'];

export type DeliveryStatus = 'pending' | 'delivered' | 'dead';

/** Why a message or a delivery failed: an error code (BusError code) and a human message. */
export interface Failure {
  code: string;
  message: string;
}

/** A message as it came in. Times are epoch milliseconds. */
export interface NewMessage {
  id: string;
  routeId: string;
  correlationId: string;
  businessKey?: string | null;
  sourceKind: string;
  sourceAddress: string;
  /** What the source gave route expressions (`$params`, `$query`); null or absent when nothing. */
  sourceVars?: SourceVars | null;
  mode: 'sync' | 'async';
  headers: Record<string, string>;
  contentType: string;
  body: Buffer;
  receivedAt: number;
}

/** One delivery a routed message produced: what to send to which target, and how often to try. */
export interface NewDelivery {
  id: string;
  messageId: string;
  targetId: string;
  targetDescription: string;
  /** Index of the split part this delivery carries; null when the message was not split. */
  partIndex: number | null;
  /** Wire-tap deliveries never change the status of their message. */
  wireTap: boolean;
  headers: Record<string, string>;
  contentType: string;
  body: Buffer;
  maxAttempts: number;
  /**
   * Where this copy goes when its target's address depends on the message (an HTTP path and query resolved from
   * `{expr}` parts at routing); null or absent when the target's own address applies.
   */
  address?: string | null;
  /** The id of the split part this delivery carries (`<message id>.<index>`, nested: `<message id>.<i>.<j>`); the
   *  target gets it as the message id. Null or absent when the message was not split. */
  partId?: string | null;
  /** Ordered splits: the delivery of the next part to the same target, which is inserted `waiting` and becomes due
   *  when this one is delivered or dead (in the transaction that records it). */
  thenId?: string | null;
  /** Inserted not due (see WAITING_FOR_PART) until the delivery whose `thenId` names it is done. Never handed off. */
  waiting?: boolean;
}

/** One try at a delivery. */
export interface AttemptRecord {
  number: number;
  startedAt: number;
  durationMs: number;
  ok: boolean;
  statusCode?: number | null;
  errorCode?: string | null;
  error?: string | null;
}

/** A message claimed for routing. The lease is held by this store's instance until `leaseUntil`. */
export interface StoredMessage extends Required<Omit<NewMessage, 'businessKey'>> {
  businessKey: string | null;
  status: MessageStatus;
  /** Hops recorded so far (e.g. a replay); the router continues from them. */
  hops: Hop[];
  /** How many times this message has been claimed since it was received (or replayed), this claim included: a
   *  message that keeps crashing its router shows up here. */
  claims: number;
  leaseUntil: number;
}

/** A delivery claimed for an attempt. The lease is held by this store's instance until `leaseUntil`. */
export interface StoredDelivery {
  id: string;
  messageId: string;
  routeId: string;
  correlationId: string;
  targetId: string;
  targetDescription: string;
  partIndex: number | null;
  wireTap: boolean;
  headers: Record<string, string>;
  contentType: string;
  body: Buffer;
  /** Attempts made so far (reset by a replay). */
  attempts: number;
  maxAttempts: number;
  nextAttemptAt: number;
  createdAt: number;
  leaseUntil: number;
  /**
   * Claims since the last recorded attempt (or a replay), this claim included; a hand-off counts as one. Above one,
   * earlier claims ended without an outcome (the worker crashed or hung): a delivery that keeps doing that shows up
   * here. A released claim (Store.releaseDeliveries) does not count.
   */
  claims: number;
  /** See NewDelivery.address. */
  address: string | null;
  /** See NewDelivery.partId. */
  partId: string | null;
}

/** A target of a route: the unit the outbox shares its slots by. */
export interface TargetRef {
  routeId: string;
  targetId: string;
}

/** What a message list shows: everything but body, headers and hops. */
export interface MessageSummary {
  id: string;
  routeId: string;
  correlationId: string;
  businessKey: string | null;
  sourceKind: string;
  sourceAddress: string;
  mode: 'sync' | 'async';
  status: MessageStatus;
  contentType: string;
  failure: Failure | null;
  receivedAt: number;
  updatedAt: number;
}

export interface DeliveryDetail {
  id: string;
  messageId: string;
  targetId: string;
  targetDescription: string;
  partIndex: number | null;
  wireTap: boolean;
  status: DeliveryStatus;
  headers: Record<string, string>;
  contentType: string;
  body: Buffer;
  /** See NewDelivery.address. */
  address: string | null;
  /** See NewDelivery.partId. */
  partId: string | null;
  /** See NewDelivery.thenId. */
  thenId: string | null;
  attempts: AttemptRecord[];
  maxAttempts: number;
  nextAttemptAt: number;
  /** The start of the target's reply, when delivered and the worker kept it. */
  reply: string | null;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface MessageDetail extends MessageSummary {
  /** See NewMessage.sourceVars. */
  sourceVars: SourceVars | null;
  headers: Record<string, string>;
  body: Buffer;
  hops: Hop[];
  /** Ordered by part index, then target. */
  deliveries: DeliveryDetail[];
  deadLetters: DeadLetterSummary[];
  /** The split parts that made deliveries, in document order, nested parts under their parent (see split-parts.ts);
   *  absent when the message was not split. */
  parts?: PartSummary[];
  /** When this record is a split part (read by its own id): the id of the message or part it was split from. */
  parentId?: string;
}

/** One split part in a message's tree: its own id, where it stands, its deliveries' outcome and its own parts. */
export interface PartSummary {
  id: string;
  parentId: string;
  index: number;
  /** pending while a delivery of the part is pending, dead when one is dead, else delivered (wire taps aside). */
  status: 'pending' | 'delivered' | 'dead';
  deliveries: string[];
  parts?: PartSummary[];
}

export interface DeadLetterSummary {
  id: string;
  messageId: string;
  /** Null when a step failed (the whole message is dead-lettered). */
  deliveryId: string | null;
  routeId: string;
  targetId: string | null;
  reason: Failure;
  contentType: string;
  createdAt: number;
  replayedAt: number | null;
  replayCount: number;
}

export interface DeadLetterDetail extends DeadLetterSummary {
  headers: Record<string, string>;
  body: Buffer;
}

export type RoutingResult = {
  status: 'pending' | 'filtered' | 'dead' | 'delivered' | 'held';
  hops: Hop[];
  deliveries: NewDelivery[];
  /** Parts aggregate steps hold, added to their groups in the same transaction (see CorrelationStore). */
  held?: HeldPart[];
  failure?: Failure;
  /** The message's masked payload, stored instead of the original when routing succeeded (the deliveries carry
   *  what the targets need; only a dead message is replayed from its own body). */
  scrubbed?: Scrubbed;  /** The message's body as it was claimed: deliveries whose body is the same bytes share it instead of a copy of
   *  their own, unless `scrubbed` replaces it. */
  messageBody?: Buffer;
};

/**
 * Deliveries a routing pass hands straight to the worker that routed the message, so that they need no claim: the
 * first `count` of the result's deliveries are inserted already leased to this instance for `leaseMs`, the others
 * pending and free for any worker. A worker asks only for what it can start at once: a delivery it cannot take must
 * not wait for a lease to run out.
 */
export interface RoutingHandOff {
  count: number;
  leaseMs: number;
}

/** A record's payload as it is kept once nothing needs the original: sensitive fields masked. */
export interface Scrubbed {
  headers: Record<string, string>;
  body: Buffer;
}

export type AttemptOutcome =
  | { kind: 'delivered'; reply?: string; scrubbed?: Scrubbed }
  | { kind: 'retry'; nextAttemptAt: number }
  | { kind: 'dead'; failure: Failure };

export type JournaledDelivery = NewDelivery & {
  status: DeliveryStatus;
  attempts: AttemptRecord[];
  failure?: Failure;
};

export interface Exchange {
  message: NewMessage;
  status: MessageStatus;
  hops: Hop[];
  failure?: Failure;
  deliveries: JournaledDelivery[];
}

export interface MessageFilter {
  routeId?: string;
  status?: MessageStatus;
  correlationId?: string;
  businessKey?: string;
  /** receivedAt >= since */
  since?: number;
  /** receivedAt < until */
  until?: number;
  /** Default 50, at most 1000. */
  limit?: number;
  /** Only ids strictly before this one (ids are time-sortable UUIDv7): the cursor of the next page. */
  before?: string;
}

export interface DeadLetterFilter {
  routeId?: string;
  replayed?: boolean;
  limit?: number;
  before?: string;
}

export interface ReplayEdit {
  body?: Buffer;
  contentType?: string;
  /** Replaces the headers as a whole. */
  headers?: Record<string, string>;
}

/** A target's queue in the outbox: deliveries pending for it. */
export interface TargetQueue {
  routeId: string;
  targetId: string;
  pending: number;
}

export interface StoreStats {
  messages: Record<MessageStatus, number>;
  pendingDeliveries: number;
  deadLetters: number;
}

/** One admin action for the audit log. `detail` holds what the action needs to be understood later (ids, counts,
 *  the edit's keys), never a secret or a body. */
export interface NewAuditEntry {
  actor: string;
  action: string;
  target?: string | null;
  outcome: 'ok' | 'refused' | 'failed';
  detail?: Record<string, unknown>;
  remote?: string | null;
}

export interface AuditEntry extends Required<NewAuditEntry> {
  id: string;
  at: number;
}

export interface AuditFilter {
  limit?: number;
  /** Paging: entries older than this id. */
  before?: string;
  action?: string;
}

export interface StoreHealth {
  ok: boolean;
  driver: string;
  latencyMs: number;
  error?: string;
}

export interface StoreLogger {
  warn(o: object, m: string): void;
}

/**
 * The durable journal, outbox and dead-letter store of the bus.
 *
 * Lifecycle: `createStore` does no I/O; `init` connects and runs the migrations (rejects with StoreError when the
 * database cannot be reached; may be called again after a failure); every other method needs a successful `init`;
 * `close` stops taking writes, waits for group commits in flight and disconnects.
 *
 * Errors: a database that cannot be reached or a failed write rejects with StoreError (retriable); a write that breaks
 * a constraint (a duplicate id) rejects with a non-retriable BusError `STORE_CONSTRAINT`; a missing record with
 * `NOT_FOUND`; a replay of something that is not dead with `CONFLICT`.
 *
 * Leases: claims mark rows with this instance's id and a lease end; a lease that ran out may be claimed again by any
 * instance. Completions guard on the lease: a routing result or a retry/dead outcome from an instance that lost its
 * lease to another is ignored (and logged), so that work is never applied twice. Times come from this process's clock.
 */
/** How a sync exchange is journaled. `answered`: its caller already has the reply, so the record may wait a few
 *  milliseconds for others to share its commit. */
export interface JournalOptions {
  readonly answered?: boolean;
}

export interface Store {
  readonly driver: 'sqlite' | 'postgres';
  /** Leases and ticks the instances sharing this store agree on (schedules, later other stateful patterns). */
  readonly leases: LeaseStore;
  /** The Idempotent Consumer's key set: idempotent routes accept their messages through it instead of acceptMessage. */
  readonly idempotent: IdempotentRepository;
  /** Aggregation groups and their parts, shared by the instances (the Aggregator). */
  readonly correlation: CorrelationStore;
  init(): Promise<void>;
  close(): Promise<void>;
  health(): Promise<StoreHealth>;

  /** Async ingress: commits the message (status 'received', claimable now) before resolving, so the caller can answer
   *  202. Concurrent calls are group-committed: calls arriving while a write is in flight go into the next
   *  transaction. */
  acceptMessage(message: NewMessage): Promise<void>;
  /** Claims up to `limit` messages in status 'received' whose lease is free or expired, oldest first, for `leaseMs`.
   *  On PostgreSQL with FOR UPDATE SKIP LOCKED: instances sharing a database never claim the same row. */
  claimMessages(limit: number, leaseMs: number): Promise<StoredMessage[]>;
  /** Applies the result of routing a claimed message in one transaction: status, hops (replacing the stored ones), the
   *  deliveries it produced (pending, claimable at once), and a dead letter when the status is 'dead' (reason = failure).
   *  Releases the lease. 'pending' without a non-wire-tap delivery is stored as 'delivered'. Throws NOT_FOUND for an
   *  unknown id; ignored (and logged) when the message is no longer 'received' or leased by another instance.
   *  With `handOff`, the first `handOff.count` deliveries are inserted leased to this instance and returned as claimed
   *  (see RoutingHandOff); otherwise, and when the result was ignored, resolves with none. Concurrent calls may share
   *  one transaction (group commit); on PostgreSQL that commit does not wait for the WAL flush: a completion lost in
   *  a crash leaves the message claimable again once its lease runs out (a second delivery, never a lost one). */
  completeRouting(messageId: string, result: RoutingResult, handOff?: RoutingHandOff): Promise<StoredDelivery[]>;
  /** Claims up to `limit` pending deliveries due now with a free or expired lease, for `leaseMs`, counting the claim
   *  on each (StoredDelivery.claims). Deliveries to the targets in `skip` are left for later (a worker leaves out the
   *  targets that hold their share of its slots). SKIP LOCKED on PostgreSQL. */
  claimDeliveries(limit: number, leaseMs: number, skip?: readonly TargetRef[]): Promise<StoredDelivery[]>;
  /** Gives back deliveries this instance claimed but will not attempt: the lease is freed and the claim uncounted, so
   *  that they are claimable again at once. Deliveries no longer pending or leased by another instance are left
   *  alone. */
  releaseDeliveries(ids: readonly string[]): Promise<void>;
  /** Extends the leases of deliveries this instance claimed and is still running, to `leaseMs` from now, so that no
   *  other instance takes them over while they run. Resolves with the ids renewed: one missing is no longer this
   *  instance's (another took it over, or it is no longer pending). */
  renewDeliveryLeases(ids: readonly string[], leaseMs: number): Promise<string[]>;
  /** The same for messages this instance claimed and is still routing (status 'received'). */
  renewMessageLeases(ids: readonly string[], leaseMs: number): Promise<string[]>;
  /** Puts back deliveries this instance claimed but holds back (a throttle, an open circuit breaker): the lease is
   *  freed and the claim uncounted, no attempt is spent, and they are due again at `dueAt`. Deliveries no longer
   *  pending or leased by another instance are left alone. */
  deferDeliveries(ids: readonly string[], dueAt: number): Promise<void>;
  /** Records one attempt and its outcome in one transaction: 'delivered' marks the delivery done, 'retry' sets when to
   *  try next, frees the lease and starts the delivery's claim count again, 'dead' marks it dead and writes a dead
   *  letter. When every non-wire-tap delivery of the message is then done or dead, the message becomes 'delivered' (or
   *  'dead' if any is dead); wire taps never change the message. A 'retry' or 'dead' from an instance that lost the
   *  lease only records the attempt. Group- and (on PostgreSQL) asynchronously committed like completeRouting: a lost
   *  outcome means the attempt is made again. */
  recordAttempt(deliveryId: string, attempt: AttemptRecord, outcome: AttemptOutcome): Promise<void>;
  /** Sync routes: journals a whole exchange once its targets answered, group-committed like acceptMessage: the
   *  message with its final status and hops, its deliveries with their attempts and final status (pending ones, e.g.
   *  wire taps, are due now for the workers), dead letters for dead deliveries and, when the exchange failed without
   *  a dead delivery, for the message. The reads of messages and dead letters below first wait for the exchanges
   *  this process has already handed over, so that what was answered is found, even when its record was written
   *  after the reply. */
  journalExchange(exchange: Exchange, options?: JournalOptions): Promise<void>;

  /** Newest first. */
  listMessages(filter: MessageFilter): Promise<MessageSummary[]>;
  getMessage(id: string): Promise<MessageDetail | null>;
  /** Newest first. */
  listDeadLetters(filter: DeadLetterFilter): Promise<DeadLetterSummary[]>;
  getDeadLetter(id: string): Promise<DeadLetterDetail | null>;
  /** Replays a dead letter. A delivery's dead letter puts that delivery back to pending (attempts and claims reset,
   *  due now, the edit replacing body/contentType/headers) and its message back to 'pending'; a step failure's dead
   *  letter puts the message back to 'received' (claims reset, edit applied to the message) so it is routed again.
   *  Marks the dead letter replayed (time, count). Throws BusError NOT_FOUND when absent, CONFLICT when the delivery or
   *  message is not dead now. */
  replayDeadLetter(id: string, edit?: ReplayEdit): Promise<{ kind: 'delivery' | 'message'; id: string }>;
  /** Counts for the admin API: messages by status, pending deliveries, dead letters not replayed. */
  stats(): Promise<StoreStats>;
  /** Deliveries not done yet (waiting for their first attempt or a retry), by route and target: each target's
   *  queue in the outbox. Targets with none are absent. */
  pendingByTarget(): Promise<TargetQueue[]>;
  /**
   * One pass of the journal's retention: deletes finished messages (delivered, filtered, dead) received longer ago
   * than their route's age, with their deliveries, attempts and dead letters; then, when `maxBytes` is set and
   * exceeded, the oldest finished messages ahead of their age. Never deletes a message still being routed or with a
   * delivery pending (a wire tap included), nor one with a dead letter not replayed that is younger than
   * `deadLetterAgeMs`. Works in small batches, each one statement of its own (no transaction spans two), pausing
   * between them, so that ingress and the outbox are never held up for long. Safe while the bus runs and from several
   * instances at once (a message is deleted once); rejects with StoreError when the database fails.
   */
  purgeJournal(policy: RetentionPolicy, options?: PurgeOptions): Promise<PurgeReport>;
  /** The journal's size from the database's own figures, without reading its rows: cheap enough for every
   *  telemetry refresh. */
  journalSize(): Promise<JournalSize>;
  /** Appends an admin action to the audit log (its own transaction, off the message path). */
  recordAudit(entry: NewAuditEntry): Promise<AuditEntry>;
  /** Newest first. */
  listAudit(filter: AuditFilter): Promise<AuditEntry[]>;
}
