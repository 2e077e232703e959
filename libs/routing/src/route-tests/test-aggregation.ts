import { Message } from '@junction/core';
import type { CompiledRoute } from '../compiled-route';
import type { AggregatePart, HeldMessage } from '../steps/aggregate.step';

interface OpenGroup {
  readonly step: string;
  readonly key: string;
  readonly parts: AggregatePart[];
  readonly correlationId: string;
  size: number | null;
}

/** An aggregate a test's group completed: the message the bus would route from after its aggregate step. */
export interface TestAggregate {
  readonly step: string;
  readonly message: Message;
}

/**
 * The aggregation groups of one route test, in memory: what the store and the completer do on the bus, with time
 * standing still while the inputs come in. A group completes as soon as its size, split or predicate says so; when
 * the inputs are all in, a group whose completion has a timeout completes (its time has passed); any other stays
 * held.
 */
export class TestAggregation {
  private readonly groups = new Map<string, OpenGroup>();
  private count = 0;

  constructor(private readonly route: CompiledRoute) {}

  /** Adds held messages to their groups; resolves with the aggregates of the groups they completed. */
  async hold(held: readonly HeldMessage[]): Promise<TestAggregate[]> {
    const touched = new Set<string>();
    for (const h of held) {
      const id = `${h.step}\u0000${h.key}`;
      let group = this.groups.get(id);
      if (!group) this.groups.set(id, (group = { step: h.step, key: h.key, parts: [], correlationId: h.message.correlationId, size: null }));
      group.size = h.size ?? group.size;
      group.parts.push({ headers: { ...h.message.headers }, contentType: h.message.body.contentType, body: h.message.body.bytes() });
      touched.add(id);
    }
    return this.settle([...touched], false);
  }

  /** The inputs are all in: groups with a completion timeout complete. */
  async end(): Promise<TestAggregate[]> {
    return this.settle([...this.groups.keys()], true);
  }

  /** Groups still held. */
  get open(): number {
    return this.groups.size;
  }

  private async settle(ids: string[], timePassed: boolean): Promise<TestAggregate[]> {
    const out: TestAggregate[] = [];
    for (const id of ids) {
      const group = this.groups.get(id)!;
      const aggregator = this.route.aggregators.get(group.step)!;
      const now = 0;
      const decision = await aggregator.decide({ size: group.size, firstAt: now, lastAt: now, expiresAt: Number.MAX_SAFE_INTEGER }, group.parts, now);
      const timedOut = timePassed && (aggregator.completeAfterFirstMs !== null || aggregator.completeAfterLastMs !== null);
      if (decision.kind !== 'complete' && !timedOut) continue;
      this.groups.delete(id);
      const body = await aggregator.aggregate(group.parts);
      const headers: Record<string, string> = { ...group.parts[0].headers, 'x-aggregate-parts': String(group.parts.length) };
      delete headers['x-split-index'];
      delete headers['x-split-size'];
      const aggregateId = `test-aggregate-${++this.count}`;
      const source = { kind: 'aggregate', address: group.step };
      out.push({ step: group.step, message: new Message(aggregateId, group.correlationId, source, headers, body, Date.now()) });
    }
    return out;
  }
}
