import type { SystemName } from './sandbox.http';

/** Request header naming a status the system must answer instead of handling the request. */
export const FAIL_HEADER = 'x-sandbox-fail';
/** Request header delaying the answer by this many milliseconds (timeouts in tests). */
export const DELAY_HEADER = 'x-sandbox-delay-ms';
export const MAX_DELAY_MS = 60_000;

/** A status a system answers instead of its own, and why. 429 answers carry `Retry-After: 1`. */
export interface InjectedFault {
  readonly status: number;
  readonly source: 'header' | 'scheduled' | 'random';
}

/** What to do with a request: answer normally, inject a fault, or refuse a malformed sandbox header. */
export type FaultDecision =
  | { readonly kind: 'none' }
  | { readonly kind: 'fault'; readonly fault: InjectedFault }
  | { readonly kind: 'invalid'; readonly message: string };

/**
 * Decides which requests fail. In order of precedence: the `x-sandbox-fail` header of the request itself, then faults
 * scheduled for the system (`POST /_sandbox/faults`, used when the caller cannot set headers on each retry), then a
 * random 503 with probability `failureRate`.
 */
export class FaultInjector {
  private readonly scheduled = new Map<SystemName, number[]>();

  constructor(
    private readonly failureRate: number,
    private readonly random: () => number = Math.random,
  ) {
    if (!(failureRate >= 0 && failureRate <= 1)) throw new RangeError(`failureRate must be within 0..1, got ${failureRate}`);
  }

  /** The next `count` requests to `system` answer `status` (after any faults already scheduled). */
  schedule(system: SystemName, status: number, count: number): void {
    if (!isFaultStatus(status)) throw new RangeError(`status must be within 400..599, got ${status}`);
    const queue = this.scheduled.get(system) ?? [];
    for (let i = 0; i < count; i++) queue.push(status);
    this.scheduled.set(system, queue);
  }

  /** Scheduled faults still pending, per system. */
  pending(): Partial<Record<SystemName, number[]>> {
    return Object.fromEntries([...this.scheduled].filter(([, q]) => q.length > 0).map(([s, q]) => [s, [...q]]));
  }

  clearScheduled(): void {
    this.scheduled.clear();
  }

  /** Decides for one request; consumes a scheduled fault when it applies. */
  decide(system: SystemName, headers: Readonly<Record<string, string>>): FaultDecision {
    const header = headers[FAIL_HEADER];
    if (header !== undefined) {
      const status = Number(header.trim());
      if (!isFaultStatus(status)) {
        return { kind: 'invalid', message: `${FAIL_HEADER} must be a status within 400..599, got "${header}"` };
      }
      return { kind: 'fault', fault: { status, source: 'header' } };
    }
    const next = this.scheduled.get(system)?.shift();
    if (next !== undefined) return { kind: 'fault', fault: { status: next, source: 'scheduled' } };
    if (this.failureRate > 0 && this.random() < this.failureRate) return { kind: 'fault', fault: { status: 503, source: 'random' } };
    return { kind: 'none' };
  }
}

/** Parses the delay header: 0 when absent, undefined when malformed or above MAX_DELAY_MS. */
export function delayOf(headers: Readonly<Record<string, string>>): number | undefined {
  const header = headers[DELAY_HEADER];
  if (header === undefined) return 0;
  const ms = Number(header.trim());
  return Number.isInteger(ms) && ms >= 0 && ms <= MAX_DELAY_MS ? ms : undefined;
}

function isFaultStatus(status: number): boolean {
  return Number.isInteger(status) && status >= 400 && status <= 599;
}
