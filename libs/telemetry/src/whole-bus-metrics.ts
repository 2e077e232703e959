import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue } from 'prom-client';

/** One process's registry as JSON (BusTelemetry.metricsJson). */
export type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

const QUEUE_DEPTH = 'junction_queue_depth';
// Of the queue depths, the one each process counts itself (the retries it scheduled): added up, not taken once.
const COUNTED_HERE = 'deliveries_retry_waiting';

/**
 * The Prometheus exposition of the whole bus from its processes' registries (WORKERS > 1): counters and histograms
 * add up, as do in-flight gauges; gauges read from the store are taken from one process (their `aggregator`), but
 * for the deliveries waiting for a retry, which each process counts itself; a source's state and backlog are the
 * largest any process reports (up in one process is up; a backlog every process reads is not added up); the Node
 * runtime metrics follow prom-client's own rules (summed, or one process's for versions and start times).
 */
export async function aggregateMetrics(parts: readonly MetricsJson[]): Promise<string> {
  const retrying = (part: MetricsJson) =>
    part.find((m) => m.name === QUEUE_DEPTH)?.values.find((v) => v.labels.queue === COUNTED_HERE);
  const total = parts.reduce((n, p) => n + (retrying(p)?.value ?? 0), 0);
  const first = parts[0] && retrying(parts[0]);
  if (first) first.value = total;
  return AggregatorRegistry.aggregate(parts as MetricsJson[]).metrics();
}
