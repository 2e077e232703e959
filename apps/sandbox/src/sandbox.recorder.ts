import { SYSTEM_NAMES, type SystemName } from './sandbox.http';

/** One request a simulated system received, with the status it answered. */
export interface ReceivedRequest {
  /** Order of arrival across all systems, from 1. */
  readonly seq: number;
  readonly system: SystemName;
  readonly method: string;
  /** The request target as sent: path and query string. */
  readonly path: string;
  /** Lower-case names; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body as UTF-8 text (for a SOAP call, the envelope as sent). */
  readonly body: string;
  /** The SOAP operation called, for calls to the ERP's SOAP service (absent when the envelope could not be read). */
  readonly operation?: string;
  /** ISO 8601 time of arrival. */
  readonly receivedAt: string;
  /** The status the system answered. */
  readonly status: number;
  /** Set when the status was injected rather than the system's own answer. */
  readonly fault?: 'header' | 'scheduled' | 'random';
}

/** Running totals per system since the last clear; they keep counting when old entries are dropped. */
export interface SystemCounts {
  readonly received: number;
  /** Answers with status 400 or above, injected faults included. */
  readonly failed: number;
}

/**
 * In-memory record of what each system received, shared by all systems of one sandbox. Keeps the last `limit`
 * entries per system so that a demo left running for hours stays small; the counts are not capped.
 */
export class SandboxRecorder {
  private readonly entries = new Map<SystemName, ReceivedRequest[]>();
  private readonly totals = new Map<SystemName, { received: number; failed: number }>();
  private seq = 0;

  constructor(private readonly limit = 5_000) {
    this.clear();
  }

  record(entry: Omit<ReceivedRequest, 'seq'>): ReceivedRequest {
    const recorded: ReceivedRequest = { seq: ++this.seq, ...entry };
    const list = this.entries.get(entry.system)!;
    list.push(recorded);
    if (list.length > this.limit) list.splice(0, list.length - this.limit);
    const total = this.totals.get(entry.system)!;
    total.received++;
    if (entry.status >= 400) total.failed++;
    return recorded;
  }

  /** The entries of one system, or of all systems in arrival order. */
  list(system?: SystemName): ReceivedRequest[] {
    if (system) return [...this.entries.get(system)!];
    return SYSTEM_NAMES.flatMap((s) => this.entries.get(s)!).sort((a, b) => a.seq - b.seq);
  }

  counts(): Record<SystemName, SystemCounts> {
    const out = {} as Record<SystemName, SystemCounts>;
    for (const s of SYSTEM_NAMES) out[s] = { ...this.totals.get(s)! };
    return out;
  }

  /** Forgets the entries and counts of one system, or of all. */
  clear(system?: SystemName): void {
    for (const s of system ? [system] : SYSTEM_NAMES) {
      this.entries.set(s, []);
      this.totals.set(s, { received: 0, failed: 0 });
    }
  }
}
