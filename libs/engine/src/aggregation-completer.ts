import { newMessageId, toBusError, type Logger } from '@junction/core';
import type { CompiledAggregator, HeldMessage } from '@junction/routing';
import type { AggregateMessage, Failure, GroupPart, HeldGroup, HeldPart, Store } from '@junction/store';
import { sleep } from './deliverer';
import type { RouteTable } from './route-table';

/** How often open groups are looked at without a wake (completion and expiry timeouts), in ms. */
export const AGGREGATION_POLL_MS = 250;
/** The same while no loaded route has an aggregate step (groups left by a removed route still expire). */
export const IDLE_POLL_MS = 30_000;
/** Groups completed at once by one instance. */
const PARALLEL = 8;
/** Part message ids named in an aggregate's hops; more are counted. */
const NAMED_PARTS = 50;
/** Headers a part had as a split part: the aggregate is not one. */
const PART_HEADERS = new Set(['x-split-index', 'x-split-size']);

export interface AggregationCompleterOptions {
  readonly leaseMs: number;
  readonly batch: number;
  /** Called after an aggregate message was committed, so that the outbox routes it at once. */
  readonly wakeOutbox: () => void;
}

/**
 * Completes aggregation groups (the Aggregator's second half; the aggregate step holds the parts, see
 * CompiledAggregator): claims the groups that are due from the store under a lease, reads their parts, and either
 * completes them (one transaction: the aggregate message, resumed after the aggregate step by the outbox, in; the
 * group out), dead-letters them with their parts once their timeout passed, or gives them back until their next
 * time. Groups are shared by every instance on the store: a group is completed by the one holding its lease, and a
 * crashed instance's groups are claimed again once their leases run out.
 *
 * Off the hot path: routes without aggregate steps cost nothing per message; while no loaded route aggregates, the
 * completer asks the store for due groups once every IDLE_POLL_MS only.
 */
export class AggregationCompleter {
  private running = false;
  private woken = false;
  private resume?: () => void;
  private loop?: Promise<void>;
  /** What this instance did since start, for the admin API and the tests. */
  readonly counts = { completed: 0, expired: 0, refused: 0 };

  constructor(
    private readonly store: Store,
    private readonly routes: RouteTable,
    private readonly options: AggregationCompleterOptions,
    private readonly log: Logger,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
  }

  /** Parts were held: a group may be due now. */
  wake(): void {
    this.woken = true;
    this.resume?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.woken = false;
      let full = false;
      let found = false;
      try {
        const groups = await this.store.correlation.claimGroups(this.options.batch, this.options.leaseMs);
        found = groups.length > 0;
        full = groups.length === this.options.batch;
        await this.completeAll(groups);
      } catch (err) {
        this.log.warn({ err: toBusError(err).message }, 'aggregation: claiming groups failed; retrying');
        await sleep(1000);
      }
      // While no loaded route aggregates, groups a previous run or a removed route left are still expired, but the
      // store is asked only now and then.
      if (!full && this.running) await this.pause(found || this.aggregating() ? AGGREGATION_POLL_MS : IDLE_POLL_MS);
    }
  }

  private aggregating(): boolean {
    return this.routes.list().some((r) => r.aggregators.size > 0);
  }

  private pause(ms: number): Promise<void> {
    if (this.woken) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(timer);
        self.resume = undefined;
        resolve();
      }
      this.resume = done;
    });
  }

  private async completeAll(groups: readonly HeldGroup[]): Promise<void> {
    let next = 0;
    const lane = async () => {
      while (next < groups.length) {
        const group = groups[next++];
        await this.settle(group).catch((err) => {
          // The lease runs out and the group is claimed again.
          this.log.warn({ err: toBusError(err).message, route: group.routeId, key: group.key }, 'aggregation: completing a group failed');
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL, groups.length) }, lane));
  }

  /** Completes, expires or gives back one claimed group. */
  private async settle(group: HeldGroup): Promise<void> {
    const aggregator = this.routes.get(group.routeId)?.aggregators.get(group.step);
    const now = Date.now();
    if (!aggregator) {
      // The route or its step is gone (a reload): the group can never complete; its parts go to the dead letters.
      if (now < group.expiresAt) return void (await this.store.correlation.releaseGroup(group, group.parts, group.expiresAt));
      const failure = { code: 'AGGREGATOR_GONE', message: `route ${group.routeId} has no aggregate step at ${group.step} any more` };
      return this.expire(group, group.parts, failure);
    }
    const parts = await this.store.correlation.readGroup(group);
    if (parts.length === 0) return void (await this.store.correlation.releaseGroup(group, group.parts, now));
    let decision;
    try {
      decision = await aggregator.decide(group, parts, now);
    } catch (err) {
      return this.expire(group, parts.length, failureOf(err, 'AGGREGATION_FAILED'));
    }
    if (decision.kind === 'wait') return void (await this.store.correlation.releaseGroup(group, parts.length, decision.at));
    if (decision.kind === 'expire') {
      const failure = {
        code: 'AGGREGATION_TIMEOUT',
        message: `group ${group.key} of ${group.step} incomplete after ${Math.round((now - group.firstAt) / 1000)}s: ${parts.length} part(s)${group.size ? ` of ${group.size}` : ''}`,
      };
      return this.expire(group, parts.length, failure);
    }
    let aggregate: AggregateMessage;
    try {
      aggregate = await aggregateMessage(group, parts, aggregator);
    } catch (err) {
      return this.expire(group, parts.length, failureOf(err, 'AGGREGATION_FAILED'));
    }
    if (await this.store.correlation.completeGroup(group, parts.length, aggregate)) {
      this.counts.completed++;
      this.options.wakeOutbox();
    } else {
      // A part came in meanwhile (or the lease ran out): the group is looked at again.
      this.counts.refused++;
      await this.store.correlation.releaseGroup(group, parts.length, now);
    }
  }

  private async expire(group: HeldGroup, parts: number, failure: Failure): Promise<void> {
    if (await this.store.correlation.expireGroup(group, parts, failure)) {
      this.counts.expired++;
      this.log.warn({ route: group.routeId, key: group.key, code: failure.code, parts }, `aggregation: group dead-lettered: ${failure.message}`);
    } else {
      this.counts.refused++;
      await this.store.correlation.releaseGroup(group, parts, Date.now());
    }
  }
}

/** The message a complete group becomes: the parts' aggregate, named by its group, its hops naming the parts. */
async function aggregateMessage(group: HeldGroup, parts: readonly GroupPart[], aggregator: CompiledAggregator): Promise<AggregateMessage> {
  const body = await aggregator.aggregate(parts);
  const bytes = body.bytes();
  const now = Date.now();
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(parts[0].headers)) if (!PART_HEADERS.has(k)) headers[k] = v;
  if (headers['content-type'] !== undefined) headers['content-type'] = body.contentType;
  headers['x-aggregate-parts'] = String(parts.length);
  const ids = [...new Set(parts.map((p) => p.messageId))];
  const named = ids.slice(0, NAMED_PARTS).join(' ') + (ids.length > NAMED_PARTS ? ` and ${ids.length - NAMED_PARTS} more` : '');
  return {
    id: newMessageId(),
    routeId: group.routeId,
    correlationId: parts[0].correlationId,
    businessKey: group.key.slice(0, 200),
    sourceKind: 'aggregate',
    sourceAddress: group.step,
    sourceVars: null,
    mode: 'async',
    headers,
    contentType: body.contentType,
    body: bytes,
    receivedAt: now,
    hops: [
      { at: now, step: 'received', note: `aggregate of ${parts.length} part(s) in group ${group.key}` },
      { at: now, step: 'parts', note: named },
    ],
  };
}

function failureOf(err: unknown, code: string): Failure {
  const e = toBusError(err);
  return { code: e.code === 'STEP_FAILED' ? code : e.code, message: e.message };
}

/** A held message as the store keeps it: its body as bytes, and its step's completion settings. */
export function heldPart(routeId: string, held: HeldMessage, aggregator: CompiledAggregator): HeldPart {
  const m = held.message;
  return {
    routeId,
    step: held.step,
    key: held.key,
    messageId: m.id,
    partIndex: held.partIndex,
    correlationId: m.correlationId,
    headers: { ...m.headers },
    contentType: m.body.contentType,
    body: m.body.bytes(),
    size: held.size,
    checkEach: aggregator.checkEach,
    expireMs: aggregator.expireMs,
    completeAfterFirstMs: aggregator.completeAfterFirstMs,
    completeAfterLastMs: aggregator.completeAfterLastMs,
  };
}
