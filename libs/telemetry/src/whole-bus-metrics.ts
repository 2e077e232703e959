import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue } from 'prom-client';

/** One process's registry as JSON (BusTelemetry.metricsJson). */
export type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

/**
 * The Prometheus exposition of the whole bus from its processes' registries (WORKERS > 1): counters and histograms
 * add up, as do in-flight gauges; gauges read from the store are taken from one process (their `aggregator`), and
 * the Node runtime metrics follow prom-client's own rules (summed, or one process's for versions and start times).
 */
export async function aggregateMetrics(parts: readonly MetricsJson[]): Promise<string> {
  return AggregatorRegistry.aggregate(parts as MetricsJson[]).metrics();
}
