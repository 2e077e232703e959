import { toBusError, type Incoming, type LinkState, type Logger, type MessageSink, type SourceStatus } from '@junction/core';
import type { LeaseStore } from '@junction/store';
import { dispatchUntilTaken } from '../shared/bus-dispatch';
import type { TickMessage } from './schedule-body';
import type { Schedule } from './schedule-timing';

/** A timer waits at most this long before it reads the clock again, so that a wall clock set back or forth is noticed. */
const MAX_WAIT_MS = 60_000;
/** How long past its next tick a route's tick row is kept, however late that tick comes (see LeaseStore.claimTick). */
const HOLD_PAST_NEXT_MS = 60_000;

/** What the ticks of one route came to on this instance, for the status. */
interface Counts {
  /** Ticks this instance claimed and handed to the bus. */
  fired: number;
  /** Ticks not fired because the previous tick's message was still being dispatched here. */
  skipped: number;
  /** Ticks let go because the timer came after a later tick was already due (a paused process, a busy event loop). */
  missed: number;
  /** Ticks another instance claimed first. */
  firedElsewhere: number;
  /** Ticks lost to a store that could not be reached or a body expression that failed. */
  failed: number;
}

/** What one route's schedule needs: its route, schedule and message factory, the shared leases, a logger. */
export interface RouteScheduleOptions {
  readonly routeId: string;
  readonly name?: string;
  readonly schedule: Schedule;
  readonly message: TickMessage;
  readonly leases: LeaseStore;
  readonly log: Logger;
}

/**
 * One route's schedule on this instance. `start` arms a timer for the next tick; at each tick, unless the previous
 * tick's message is still being dispatched here (the tick is then skipped, so that a slow route never piles ticks up),
 * the tick is claimed in the store under `schedule:<routeId>` and, when this instance won it, its message is handed
 * to the bus (retried with backoff through a store outage, like a broker message). Ticks that passed while the bus
 * was down, or while the timer was held up past a later tick, are not replayed. `stop` disarms the timer; a tick in
 * flight finishes (see `settled`).
 */
export class RouteSchedule {
  private sink?: MessageSink;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private inFlight?: Promise<void>;
  private nextTick?: number;
  private state: LinkState = 'connecting';
  private since = Date.now();
  private error?: string;
  /** The message of the failure being reported, so that a failure repeated at every tick is logged at warn once. */
  private failing?: string;
  private lastFiredAt?: number;
  private readonly counts: Counts = { fired: 0, skipped: 0, missed: 0, firedElsewhere: 0, failed: 0 };
  private readonly key: string;
  private readonly fields: Record<string, unknown>;

  constructor(private readonly options: RouteScheduleOptions) {
    this.key = `schedule:${options.routeId}`;
    this.fields = { route: options.routeId, schedule: options.schedule.text, ...(options.name ? { name: options.name } : {}) };
  }

  /** Starts ticking into `sink`. Does nothing once stopped or when started already. */
  start(sink: MessageSink): void {
    if (this.stopped || this.sink) return;
    this.sink = sink;
    this.enter('connected');
    this.arm(this.options.schedule.next(Date.now()));
    this.options.log.info({ ...this.fields, next: iso(this.nextTick) }, 'schedule started');
  }

  /** Disarms the timer: no tick fires from now on. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.nextTick = undefined;
  }

  /** Resolves once the tick in flight, if any, is done. Never rejects. */
  settled(): Promise<void> {
    return this.inFlight ?? Promise.resolve();
  }

  status(): SourceStatus {
    return {
      routeId: this.options.routeId,
      state: this.state,
      since: this.since,
      ...(this.error !== undefined && this.state !== 'connected' ? { error: this.error } : {}),
      detail: {
        schedule: this.options.schedule.text,
        ...(this.options.name ? { name: this.options.name } : {}),
        next: iso(this.nextTick) ?? null,
        ...this.counts,
        lastFiredAt: iso(this.lastFiredAt) ?? null,
      },
    };
  }

  private arm(tick: number): void {
    this.nextTick = tick;
    const wait = Math.min(Math.max(0, tick - Date.now()), MAX_WAIT_MS);
    this.timer = setTimeout(() => this.due(tick), wait);
    // The bus's listeners keep the process alive; a schedule alone must not.
    this.timer.unref();
  }

  private due(armed: number): void {
    if (this.stopped) return;
    const now = Date.now();
    // A capped wait, or a timer a millisecond early by the wall clock: not due yet.
    if (now < armed) return this.arm(armed);
    let tick = armed;
    let following = this.options.schedule.next(tick);
    if (following <= now) {
      tick = this.options.schedule.latest(now);
      following = this.options.schedule.next(tick);
      this.counts.missed++;
      this.options.log.debug({ ...this.fields, from: iso(armed), to: iso(tick) }, 'schedule came late: ticks before the latest due one are let go');
    }
    this.arm(following);
    this.fire(tick);
  }

  private fire(tick: number): void {
    if (this.inFlight) {
      this.counts.skipped++;
      this.options.log.debug({ ...this.fields, tick: iso(tick) }, 'schedule tick skipped: the previous one is still being dispatched');
      return;
    }
    this.inFlight = this.run(tick)
      // run() handles its own failures; this only keeps a bug from becoming an unhandled rejection.
      .catch((err: unknown) => this.options.log.error({ ...this.fields, err: toBusError(err).message }, 'schedule tick failed'))
      .finally(() => (this.inFlight = undefined));
  }

  private async run(tick: number): Promise<void> {
    const { routeId, leases, message, schedule } = this.options;
    let number: number | null;
    try {
      // The row outlives the next tick, however late: purging never forgets a live schedule's last tick.
      number = await leases.claimTick(this.key, tick, Math.max(0, schedule.next(tick) - Date.now()) + HOLD_PAST_NEXT_MS);
    } catch (err) {
      // Without the store this instance cannot know whether another fired the tick: it does not fire it.
      this.error = toBusError(err).message;
      this.enter('reconnecting');
      return this.failed(`store: ${this.error}`, `schedule cannot reach the store: tick ${iso(tick)} not fired`);
    }
    this.enter('connected');
    if (this.failing?.startsWith('store:')) this.failing = undefined;
    if (number === null) {
      this.counts.firedElsewhere++;
      this.options.log.debug({ ...this.fields, tick: iso(tick) }, 'schedule tick fired by another instance');
      return;
    }
    const firedAt = Date.now();
    let incoming: Incoming;
    try {
      incoming = await message({ scheduledAt: tick, firedAt, number });
    } catch (err) {
      const error = toBusError(err).message;
      return this.failed(`body: ${error}`, `schedule tick ${iso(tick)} has no message: ${error}`);
    }
    this.counts.fired++;
    this.lastFiredAt = firedAt;
    this.failing = undefined;
    try {
      const result = await dispatchUntilTaken(this.sink!, routeId, incoming, () => this.stopped);
      if (!result.taken) {
        const e = result.error;
        this.options.log.warn({ ...this.fields, code: e.code, messageId: e.messageId, err: e.message }, 'schedule tick refused by its route: dead-lettered');
      }
    } catch (err) {
      // Only when the schedule stops during a store outage: nothing was taken, and the tick is not replayed.
      this.options.log.warn({ ...this.fields, tick: iso(tick), err: toBusError(err).message }, 'schedule stopped before the bus took its tick');
    }
  }

  /** Counts a lost tick; `cause` tells a failure repeated at every tick, which is said at warn once while it lasts. */
  private failed(cause: string, message: string): void {
    this.counts.failed++;
    const repeated = this.failing === cause;
    this.failing = cause;
    const fields = { ...this.fields, err: cause };
    if (repeated) this.options.log.debug(fields, message);
    else this.options.log.warn(fields, message);
  }

  private enter(state: LinkState): void {
    if (this.state !== state) {
      this.since = Date.now();
      if (state === 'connected' && this.state === 'reconnecting') this.options.log.info(this.fields, 'schedule can claim its ticks again');
    }
    this.state = state;
  }
}

function iso(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString();
}
