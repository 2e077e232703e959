import parsePrometheusTextFormat from 'parse-prometheus-text-format';

/** One parsed metric family (prom2json's shape). */
export type MetricFamily = ReturnType<typeof parsePrometheusTextFormat>[number];
export type MetricSample = MetricFamily['metrics'][number];

/** One series of a histogram: its count, sum and cumulative buckets as [upper bound, count], ascending. */
export interface HistogramSeries {
  count: number;
  sum: number;
  buckets: Array<[number, number]>;
}

/**
 * Test helper over a Prometheus text exposition parsed with parse-prometheus-text-format: families by name, samples
 * by label subset. That parser folds every label set of a histogram into one (it was written for unlabelled ones), so
 * histograms are read from a second parse in which they are declared untyped: their `_bucket`, `_sum` and `_count`
 * lines then come out as families of their own, labels intact.
 */
export class PrometheusText {
  readonly families: ReadonlyMap<string, MetricFamily>;
  /** Samples by series name (prom-client writes `_bucket`, `_sum`, `_count` per label set, so names repeat). */
  private readonly series = new Map<string, MetricSample[]>();

  constructor(text: string) {
    this.families = new Map(parsePrometheusTextFormat(text).map((f) => [f.name, f]));
    const untyped = text.replace(/^# TYPE (\S+) histogram$/gm, '# TYPE $1 untyped');
    for (const f of parsePrometheusTextFormat(untyped)) this.series.set(f.name, [...(this.series.get(f.name) ?? []), ...f.metrics]);
  }

  family(name: string): MetricFamily {
    const f = this.families.get(name);
    if (!f) throw new Error(`no metric ${name} in the exposition`);
    return f;
  }

  /** The samples of a counter or gauge `name` whose labels include every one of `labels`. */
  samples(name: string, labels: Record<string, string> = {}): MetricSample[] {
    return this.family(name).metrics.filter((m) => matches(m, labels));
  }

  /** The value of the one sample of a counter or gauge with these labels (0 when there is none). */
  value(name: string, labels: Record<string, string> = {}): number {
    const found = this.families.has(name) ? this.samples(name, labels) : [];
    if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
    return found.length === 0 ? 0 : Number(found[0].value);
  }

  /** Every value of a counter or gauge whose labels include `labels`, added up. */
  sum(name: string, labels: Record<string, string> = {}): number {
    if (!this.families.has(name)) return 0;
    return this.samples(name, labels).reduce((total, s) => total + Number(s.value), 0);
  }

  /** The one series of histogram `name` with exactly these labels. */
  histogram(name: string, labels: Record<string, string>): HistogramSeries {
    if (this.family(name).type !== 'HISTOGRAM') throw new Error(`${name} is no histogram`);
    const exact = (m: MetricSample) => matches(m, labels) && Object.keys(m.labels ?? {}).length === Object.keys(labels).length;
    const one = (suffix: string) => {
      const found = (this.series.get(`${name}_${suffix}`) ?? []).filter(exact);
      if (found.length !== 1) throw new Error(`${found.length} ${name}_${suffix} series match ${JSON.stringify(labels)}`);
      return Number(found[0].value);
    };
    const buckets = (this.series.get(`${name}_bucket`) ?? [])
      .filter((m) => {
        const { le, ...rest } = m.labels ?? {};
        return le !== undefined && exact({ ...m, labels: rest });
      })
      .map((m): [number, number] => [m.labels!.le === '+Inf' ? Infinity : Number(m.labels!.le), Number(m.value)])
      .sort((a, b) => a[0] - b[0]);
    return { count: one('count'), sum: one('sum'), buckets };
  }
}

function matches(m: MetricSample, labels: Record<string, string>): boolean {
  return Object.entries(labels).every(([k, v]) => m.labels?.[k] === v);
}
