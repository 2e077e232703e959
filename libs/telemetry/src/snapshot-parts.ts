import type { AttemptOutcome, CompletionStatus, RouteCounts } from './bus-metrics';
import type { Figures, JournalFigures, LiveSnapshot } from './live.types';
import { viewOf, type RollingPart } from './rolling-figures';

/** One scope's live figures as one process counts them, before the processes of the bus are added up. */
export interface FiguresPart {
  rolling: RollingPart;
  /** Counted by each process: they add up. */
  inFlight: number;
  pendingRetries: number;
  /** Read from the store: the same in every process, taken from one. */
  deadLetters: number;
  /** Read from the sources by each process that runs them: the largest reading is taken (mergeSnapshots). */
  backlog: number | null;
}

/** A LiveSnapshot as one process sees it (BusMetrics.snapshotPart); `mergeSnapshots` makes the whole bus's. */
export interface SnapshotPart {
  at: number;
  bus: FiguresPart;
  routes: Record<string, FiguresPart>;
  journal: JournalFigures | null;
}

/**
 * The live figures of the whole bus from the parts of its processes (at least one): counts, in-flight work and
 * latency histograms add up; what comes from the store (dead letters, the journal) is the first part's. A route's
 * backlog is one figure of its broker or folder that each process running the source reads: the largest reading, not
 * their sum (as `junction_source_backlog`), and the bus's is the sum of its routes'. A route that only some processes
 * loaded (a reload under way) counts what those saw.
 */
export function mergeSnapshots(parts: readonly SnapshotPart[]): LiveSnapshot {
  const [first] = parts;
  if (!first) throw new Error('mergeSnapshots needs at least one part');
  const routes: Record<string, Figures> = {};
  const ids = new Set(parts.flatMap((p) => Object.keys(p.routes)));
  for (const id of ids) routes[id] = mergeFigures(parts.map((p) => p.routes[id]).filter((f): f is FiguresPart => f !== undefined));
  let busBacklog: number | null = null;
  for (const r of Object.values(routes)) if (r.backlog !== null) busBacklog = (busBacklog ?? 0) + r.backlog;
  return {
    at: Math.max(...parts.map((p) => p.at)),
    bus: { ...mergeFigures(parts.map((p) => p.bus)), backlog: busBacklog },
    routes,
    journal: parts.find((p) => p.journal !== null)?.journal ?? null,
  };
}

function mergeFigures(parts: readonly FiguresPart[]): Figures {
  const readings = parts.flatMap((p) => (p.backlog === null ? [] : [p.backlog]));
  return {
    ...viewOf(parts.map((p) => p.rolling)),
    inFlight: parts.reduce((n, p) => n + p.inFlight, 0),
    pendingRetries: parts.reduce((n, p) => n + p.pendingRetries, 0),
    deadLetters: parts[0].deadLetters,
    backlog: readings.length === 0 ? null : Math.max(...readings),
  };
}

/** A route's counters in every process of the bus, added up (`GET /admin/routes/:id/graph` with WORKERS > 1). */
export function addRouteCounts(parts: readonly RouteCounts[]): RouteCounts {
  const sum: RouteCounts = { received: 0, rejected: 0, completed: { delivered: 0, filtered: 0, dead: 0, duplicate: 0 }, targets: {} };
  for (const p of parts) {
    sum.received += p.received;
    sum.rejected += p.rejected;
    for (const status of Object.keys(sum.completed) as CompletionStatus[]) sum.completed[status] += p.completed[status];
    for (const [target, outcomes] of Object.entries(p.targets)) {
      const t = (sum.targets[target] ??= { delivered: 0, retry: 0, dead: 0 });
      for (const outcome of Object.keys(t) as AttemptOutcome[]) t[outcome] += outcomes[outcome];
    }
  }
  return sum;
}
