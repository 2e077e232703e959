import {
  ConfigError,
  toBusError,
  type IngressBinding,
  type IngressConnector,
  type Logger,
  type MessageSink,
  type SourceStatus,
} from '@junction/core';
import type { LeaseStore } from '@junction/store';
import { RouteSchedule } from './route-schedule';
import { tickMessage } from './schedule-body';
import type { ScheduleSourceDef } from './schedule.config';
import { scheduleOf } from './schedule-timing';

export interface ScheduleIngressOptions {
  /** How often the lease rows that ran out long ago are purged while schedules run (default: hourly). */
  readonly purgeEveryMs?: number;
  /** How long after its end a lease row is purged (default: 7 days; a schedule's row never ends while it runs). */
  readonly purgeAfterMs?: number;
}

interface Bound {
  readonly signature: string;
  readonly schedule: RouteSchedule;
}

/**
 * Schedule ingress: one RouteSchedule per bound route, ticking into the bus from `start` on. Instances of the bus
 * sharing a store claim each tick there (LeaseStore.claimTick), so a tick fires on one instance only. On reload, a
 * route whose source config is unchanged keeps its schedule (and its counts); a changed or removed one stops, its tick
 * in flight finishing on the old binding. `close` stops every schedule and waits (bounded) for ticks in flight. While
 * schedules run it also purges lease rows that ran out long ago, so that the table holds only live keys.
 */
export class ScheduleIngress implements IngressConnector<ScheduleSourceDef> {
  readonly kind = 'schedule';
  private sink?: MessageSink;
  private closing = false;
  private readonly bound = new Map<string, Bound>();
  /** Stopped schedules whose tick is still in flight: `close` waits for them too. */
  private readonly retired = new Set<RouteSchedule>();
  private purgeTimer?: NodeJS.Timeout;
  private readonly purgeEveryMs: number;
  private readonly purgeAfterMs: number;

  constructor(
    private readonly leases: LeaseStore,
    private readonly log: Logger,
    options: ScheduleIngressOptions = {},
  ) {
    this.purgeEveryMs = options.purgeEveryMs ?? 3_600_000;
    this.purgeAfterMs = options.purgeAfterMs ?? 7 * 86_400_000;
  }

  async prepare(bindings: readonly IngressBinding<ScheduleSourceDef>[]): Promise<void> {
    const problems: string[] = [];
    for (const b of bindings) {
      try {
        this.build(b);
      } catch (err) {
        problems.push(`route ${b.routeId}: ${toBusError(err).message}`);
      }
    }
    if (problems.length > 0) throw new ConfigError(problems[0], problems);
  }

  async start(sink: MessageSink): Promise<void> {
    if (this.closing) return;
    this.sink = sink;
    for (const { schedule } of this.bound.values()) schedule.start(sink);
    this.purgeTimer = setInterval(() => void this.purge(), this.purgeEveryMs);
    this.purgeTimer.unref();
  }

  bind(bindings: readonly IngressBinding<ScheduleSourceDef>[]): void {
    if (this.closing) return;
    const wanted = new Map(bindings.map((b) => [b.routeId, b]));
    for (const [routeId, current] of this.bound) {
      const b = wanted.get(routeId);
      if (b && signature(b) === current.signature) continue;
      this.bound.delete(routeId);
      this.retire(current.schedule);
    }
    for (const b of bindings) {
      if (this.bound.has(b.routeId)) continue;
      const schedule = this.build(b);
      this.bound.set(b.routeId, { signature: signature(b), schedule });
      if (this.sink) schedule.start(this.sink);
    }
  }

  async close(timeoutMs = 10_000): Promise<void> {
    this.closing = true;
    clearInterval(this.purgeTimer);
    for (const { schedule } of this.bound.values()) this.retire(schedule);
    this.bound.clear();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    });
    await Promise.race([Promise.all([...this.retired].map((s) => s.settled())), timeout]);
    clearTimeout(timer);
  }

  async status(): Promise<SourceStatus[]> {
    return [...this.bound.values()].map(({ schedule }) => schedule.status());
  }

  /** A route's schedule from its binding; throws when the timing or the body expression is invalid. */
  private build(b: IngressBinding<ScheduleSourceDef>): RouteSchedule {
    const schedule = scheduleOf(b.config, b.routeId);
    return new RouteSchedule({
      routeId: b.routeId,
      name: b.config.name,
      schedule,
      message: tickMessage(b.config, schedule.text),
      leases: this.leases,
      log: this.log,
    });
  }

  private retire(schedule: RouteSchedule): void {
    schedule.stop();
    this.retired.add(schedule);
    void schedule.settled().then(() => this.retired.delete(schedule));
  }

  private async purge(): Promise<void> {
    if (this.bound.size === 0) return;
    try {
      const purged = await this.leases.purgeLeases(this.purgeAfterMs);
      if (purged > 0) this.log.debug({ purged }, 'lease rows that ran out long ago purged');
    } catch (err) {
      this.log.debug({ err: toBusError(err).message }, 'purging lease rows failed; tried again later');
    }
  }
}

/** What identifies a running schedule: a route whose signature changes on reload gets a new one. */
function signature(b: IngressBinding<ScheduleSourceDef>): string {
  return `${b.mode} ${JSON.stringify(b.config)}`;
}
