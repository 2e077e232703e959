'use strict';
/**
 * The results as a markdown table, and the issue's targets, each with the figure measured in this run and whether
 * it is met. A target whose cells were not run says so instead of passing.
 */

const fmt = (v, digits = 0) => (v === null || v === undefined ? '-' : Number(v).toLocaleString('en-US', { maximumFractionDigits: digits }));
const pct = (v) => (v === null || v === undefined ? '-' : `${(v * 100).toFixed(v > 0 && v < 0.001 ? 3 : 1)}%`);

function table(rows) {
  const lines = [
    '| scenario | size | c | rps | baseline rps | ratio | p50 ms | p99 ms | base p99 ms | errors | bus CPU % | peak RSS MB |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    if (r.skipped || r.failed) {
      lines.push(`| ${r.scenario} | ${r.size} | ${r.concurrency} | ${r.skipped ? `skipped: ${r.skipped}` : `failed: ${r.failed}`} | | | | | | | | |`);
      continue;
    }
    const backlog = r.pending ? `, ${fmt(r.pending)} pending at the limit` : '';
    const extra = r.probe
      ? ` (probe p99 ${fmt(r.probe.p99Ms, 1)} ms, max ${fmt(r.probe.maxMs, 1)})`
      : r.delivered !== undefined
        ? ` delivered/s (${fmt(r.delivered)} of ${fmt(r.messages)}${backlog}${published(r)})`
        : '';
    lines.push(
      `| ${r.scenario} | ${r.size} | ${r.concurrency} | ${fmt(r.rps)}${extra} | ${fmt(r.baselineRps)} | ${fmt(r.ratio, 2)} | ` +
        `${fmt(r.p50Ms, 2)} | ${fmt(r.p99Ms, 2)} | ${fmt(r.baselineP99Ms, 2)} | ${pct(r.errorRate)} | ${fmt(r.cpuPct)} | ${fmt(r.rssMb)} |`,
    );
  }
  return lines.join('\n');
}

/** The generator's side of a broker cell: its publish rate and, within a window, how long the bus held it back. */
function published(r) {
  if (r.publishedRps === undefined) return '';
  const held =
    r.publishHeldPct !== undefined
      ? ` within a ${fmt(r.maxAhead)}-message window (backlog ${fmt(r.publishAheadAvg)} on average, held ${fmt(r.publishHeldPct, 1)}% of the time), first window at ${fmt(r.publishBurstRps)}/s`
      : '';
  // A file (S12-csv): written at publishedRps; the rate above runs from its first delivery, this one from its arrival.
  const whole =
    r.rateFrom === 'firstDelivery'
      ? `; from the first delivery; ${fmt(r.fromPublishedRps)}/s from the file's arrival (first delivery ${fmt(r.firstDeliveryAfterMs)} ms after it)`
      : '';
  return `${whole}; published at ${fmt(r.publishedRps)}/s${held}`;
}

/**
 * `--load wrk`: each system's median rps with its spread (min-max over the rounds), the ratios Junction / raw proxy
 * and Junction / Camel, whether the cell counts (direct >= 2 x raw proxy), and each system's median CPU % (of one
 * core), CPU ms per request answered and peak RSS over the measured runs.
 */
function compareTable(rows) {
  const lines = [
    '| scenario | size | c | Junction rps | raw proxy rps | Camel rps | direct rps | Junction / raw | Junction / Camel | counts | Junction CPU % / ms per req / RSS MB | raw CPU % / ms per req / RSS MB | Camel CPU % / ms per req / RSS MB | wrk CPU % | errors J / raw / Camel |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|',
  ];
  const spread = (x) => (x ? `${fmt(x.rps)} (${fmt(x.minRps)}-${fmt(x.maxRps)})` : '-');
  const usage = (x) => (x ? `${fmt(x.cpuPct)} / ${fmt(x.cpuMsPerRequest, 3)} / ${fmt(x.rssMb)}` : '-');
  for (const r of rows.filter((row) => row.systems)) {
    const x = r.systems;
    const load = Math.max(...Object.values(x).map((v) => v.loadCpuPct ?? 0));
    lines.push(
      `| ${r.scenario} | ${r.size} | ${r.concurrency} | ${spread(x.junction)} | ${spread(x.proxy)} | ${spread(x.camel)} | ${spread(x.direct)} | ` +
        `${fmt(r.ratio, 2)} | ${fmt(r.camelRatio, 2)} | ${r.counts ? 'yes' : `**no**: direct < 2 x raw`} | ${usage(x.junction)} | ${usage(x.proxy)} | ` +
        `${usage(x.camel)} | ${fmt(load)} | ${pct(x.junction.errorRate)} / ${pct(x.proxy.errorRate)} / ${x.camel ? pct(x.camel.errorRate) : '-'} |`,
    );
  }
  return lines.join('\n');
}

const measured = (rows) => rows.filter((r) => !r.skipped && !r.failed);

/** The targets of the issue. `figure` gives [value, where] from the rows, or undefined when nothing was measured. */
const TARGETS = [
  {
    name: 'S1 passthrough >= 0.6 of the raw proxy (c=100, worst size)',
    op: '>=',
    goal: 0.6,
    figure: (rows) => worst(rows.filter((r) => r.scenario === 'S1' && r.concurrency === 100), 'ratio', 'min'),
  },
  {
    name: 'S4 content routing at 1 KB >= 0.5 of the raw proxy',
    op: '>=',
    goal: 0.5,
    figure: (rows) => worst(rows.filter((r) => r.scenario.startsWith('S4') && r.size === '1KB'), 'ratio', 'min'),
  },
  {
    name: 'S5 XML <-> JSON at 1 KB >= 0.35 of the raw proxy',
    op: '>=',
    goal: 0.35,
    figure: (rows) => worst(rows.filter((r) => r.scenario === 'S5' && r.size === '1KB'), 'ratio', 'min'),
  },
  {
    name: 'S7 async on SQLite >= 5,000 delivered/s',
    op: '>=',
    goal: 5000,
    figure: (rows) => worst(rows.filter((r) => r.scenario === 'S7-sqlite' && r.size === '1KB'), 'rps', 'min'),
  },
  {
    name: 'S7 async on PostgreSQL >= 3,000 delivered/s',
    op: '>=',
    goal: 3000,
    figure: (rows) => worst(rows.filter((r) => r.scenario === 'S7-pg' && r.size === '1KB'), 'rps', 'min'),
  },
  {
    name: 'S8 Kafka -> HTTP >= 10,000 delivered/s',
    op: '>=',
    goal: 10000,
    figure: (rows) => worst(rows.filter((r) => r.scenario === 'S8' && r.size === '1KB'), 'rps', 'min'),
  },
  {
    name: 'S9 AMQP -> HTTP on SQLite >= 5,000 delivered/s',
    op: '>=',
    goal: 5000,
    figure: (rows) => worst(rows.filter((r) => r.scenario === 'S9' && r.size === '1KB'), 'rps', 'min'),
  },
  {
    name: 'S10 MQTT -> HTTP on SQLite >= 5,000 delivered/s',
    op: '>=',
    goal: 5000,
    figure: (rows) => worst(rows.filter((r) => r.scenario === 'S10' && r.size === '1KB'), 'rps', 'min'),
  },
  {
    name: 'latency added at c=10 <= 2 ms at p99 (S1, bus p99 - proxy p99)',
    op: '<=',
    goal: 2,
    figure: (rows) => {
      const cells = rows.filter((r) => r.scenario === 'S1' && r.concurrency === 10 && r.p99Ms !== null && r.baselineP99Ms !== null);
      return worst(cells.map((r) => ({ ...r, added: Math.round((r.p99Ms - r.baselineP99Ms) * 100) / 100 })), 'added', 'max');
    },
  },
  {
    name: 'peak RSS <= 250 MB at c=500',
    op: '<=',
    goal: 250,
    // c is HTTP connections; a broker cell's c is its route's parallelism (a prefetch of 500 is not 500 connections).
    figure: (rows) => worst(rows.filter((r) => r.concurrency === 500 && r.publishedRps === undefined && r.rssMb !== null), 'rssMb', 'max'),
  },
  {
    name: '100 KB bodies: bus up, no failed request, another route never waits > 2 s (probe max ms)',
    op: '<=',
    goal: 2000,
    figure: (rows) => {
      const cells = rows.filter((r) => r.size === '100KB' && r.probe);
      if (cells.length === 0) return undefined;
      // A dead bus, a failed 100 KB request or a failed probe request is a miss whatever the latency.
      const broken = cells.find((r) => !r.busAlive || r.errorRate > 0 || !r.probe.ok || r.probe.errors > 0);
      if (broken) return [Infinity, `${broken.scenario} ${broken.size} c=${broken.concurrency}: ${describeBroken(broken)}`];
      return worst(cells.map((r) => ({ ...r, probeMax: r.probe.maxMs })), 'probeMax', 'max');
    },
  },
];

function describeBroken(r) {
  if (!r.busAlive) return 'the bus died or stopped answering /health';
  if (r.errorRate > 0) return `${pct(r.errorRate)} of the 100 KB requests failed`;
  if (r.probe.failed) return `probe failed: ${r.probe.failed}`;
  return r.probe.ok ? `${r.probe.errors} probe requests failed` : 'the probe got no answer in the whole window';
}

function worst(rows, field, how) {
  const cells = rows.filter((r) => typeof r[field] === 'number');
  if (cells.length === 0) return undefined;
  const pick = cells.reduce((a, b) => ((how === 'min' ? b[field] < a[field] : b[field] > a[field]) ? b : a));
  return [pick[field], `${pick.scenario} ${pick.size} c=${pick.concurrency}`];
}

function targets(allRows) {
  const rows = measured(allRows);
  return TARGETS.map((t) => {
    const f = t.figure(rows);
    if (!f) return { target: t.name, goal: t.goal, value: null, where: null, met: null };
    const [value, where] = f;
    const met = t.op === '>=' ? value >= t.goal : value <= t.goal;
    return { target: t.name, goal: t.goal, value: Number.isFinite(value) ? value : null, where, met };
  });
}

function targetsTable(results) {
  const lines = ['| target | measured | where | met |', '|---|---:|---|---|'];
  for (const t of results) {
    const met = t.met === null ? 'not measured' : t.met ? 'yes' : '**no**';
    lines.push(`| ${t.target} | ${t.value === null ? '-' : fmt(t.value, 2)} | ${t.where ?? '-'} | ${met} |`);
  }
  return lines.join('\n');
}

module.exports = { table, compareTable, targets, targetsTable };
