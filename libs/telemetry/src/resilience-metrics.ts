import { Counter, Gauge, type Registry } from 'prom-client';

/** What the resilience metrics read at each scrape (the engine's Resilience.view()). */
export interface ResilienceFigures {
  readonly circuits: ReadonlyArray<{ routeId: string; targetId: string; state: 'closed' | 'open' | 'half-open'; since: number; opened: number }>;
  readonly throttles: ReadonlyArray<{ routeId: string; targetId: string | null; throttled: number; refused: number; waiting: number }>;
}

/** junction_circuit_state values. */
export const CIRCUIT_STATE_VALUE = { closed: 0, open: 1, 'half-open': 2 } as const;

/**
 * Registers the metrics of circuit breakers and throttles in `registry`, read from `figures` at each scrape (nothing
 * is recorded per message):
 * - `junction_circuit_state{route,target}`: 0 closed, 1 open, 2 half-open;
 * - `junction_circuit_state_since_seconds{route,target}`: when the breaker entered that state (Unix time);
 * - `junction_circuit_opened_total{route,target}`: times it opened;
 * - `junction_throttled_total{route,target}`: deliveries (a target's throttle) or messages (a route's, target "")
 *   that had to wait or were put off;
 * - `junction_throttle_refused_total{route}`: messages a route's throttle refused with 429;
 * - `junction_throttle_waiting{route,target}`: waiting for their turn now.
 */
export function registerResilienceMetrics(registry: Registry, figures: () => ResilienceFigures): void {
  const registers = [registry];
  new Gauge({
    name: 'junction_circuit_state',
    help: 'Circuit breaker of a target: 0 closed, 1 open, 2 half-open.',
    labelNames: ['route', 'target'],
    registers,
    // Each process of a bus (WORKERS > 1) keeps its own breakers: the whole bus shows the furthest from closed, a
    // state some process is in, never a sum that names no state.
    aggregator: 'max',
    collect() {
      this.reset();
      for (const c of figures().circuits) this.set({ route: c.routeId, target: c.targetId }, CIRCUIT_STATE_VALUE[c.state]);
    },
  });
  new Gauge({
    name: 'junction_circuit_state_since_seconds',
    help: 'When the circuit breaker of a target entered its state (Unix time, seconds).',
    labelNames: ['route', 'target'],
    registers,
    // Across processes: the earliest, not a sum of times.
    aggregator: 'min',
    collect() {
      this.reset();
      for (const c of figures().circuits) this.set({ route: c.routeId, target: c.targetId }, c.since / 1000);
    },
  });
  new Counter({
    name: 'junction_circuit_opened_total',
    help: 'Times the circuit breaker of a target opened.',
    labelNames: ['route', 'target'],
    registers,
    collect() {
      this.reset();
      for (const c of figures().circuits) this.inc({ route: c.routeId, target: c.targetId }, c.opened);
    },
  });
  new Counter({
    name: 'junction_throttled_total',
    help: 'Deliveries (a target throttle) or messages (a route throttle, target "") that waited for their turn or were put off.',
    labelNames: ['route', 'target'],
    registers,
    collect() {
      this.reset();
      for (const t of figures().throttles) this.inc({ route: t.routeId, target: t.targetId ?? '' }, t.throttled);
    },
  });
  new Counter({
    name: 'junction_throttle_refused_total',
    help: "Messages a route's throttle refused (429 with Retry-After).",
    labelNames: ['route'],
    registers,
    collect() {
      this.reset();
      for (const t of figures().throttles) if (t.targetId === null) this.inc({ route: t.routeId }, t.refused);
    },
  });
  new Gauge({
    name: 'junction_throttle_waiting',
    help: 'Deliveries or messages waiting for their throttle turn now.',
    labelNames: ['route', 'target'],
    registers,
    collect() {
      this.reset();
      for (const t of figures().throttles) this.set({ route: t.routeId, target: t.targetId ?? '' }, t.waiting);
    },
  });
}
