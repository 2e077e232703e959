// The overview's three charts (uPlot, loaded by the page as a global): throughput, latency percentiles, error rate,
// over the series live.js keeps (the last 15 minutes, one point a second).
import { h } from './dom.js';

const COLORS = { in: '#2563eb', out: '#16a34a', p50: '#0d9488', p95: '#d97706', p99: '#dc2626', errors: '#dc2626' };

// A floor of zero (and a minimum height) so that a quiet bus reads as quiet rather than as a zoomed-in wiggle.
const fromZero = (minMax) => (_u, _min, max) => [0, Math.max(minMax, max ?? 0)];

const CHARTS = [
  {
    key: 'throughput',
    title: 'Throughput (messages/s)',
    series: [
      { label: 'in/s', stroke: COLORS.in, value: (s) => s.inPerSec },
      { label: 'out/s', stroke: COLORS.out, value: (s) => s.outPerSec },
    ],
    range: fromZero(1),
  },
  {
    key: 'latency',
    title: 'Latency (ms, last 60 s)',
    series: [
      { label: 'p50', stroke: COLORS.p50, value: (s) => s.p50Ms },
      { label: 'p95', stroke: COLORS.p95, value: (s) => s.p95Ms },
      { label: 'p99', stroke: COLORS.p99, value: (s) => s.p99Ms },
    ],
    range: fromZero(10),
  },
  {
    key: 'errors',
    title: 'Error rate (%, last 60 s)',
    series: [
      { label: 'errors %', stroke: COLORS.errors, value: (s) => s.errorRate.map((r) => (r === null ? null : r * 100)) },
    ],
    range: fromZero(1),
  },
];

const pad = (n) => String(n).padStart(2, '0');
const clock = (sec) => {
  const d = new Date(sec * 1000);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
};

/** uPlot's x values are seconds. */
const seconds = (at) => at.map((t) => t / 1000);

/**
 * Builds the charts into `container`. Returns `update(series)` to redraw from a series, and `destroy()`. Each chart's
 * element carries `data-points` (the points drawn), which the page's tests read.
 */
export function createCharts(container) {
  const { uPlot } = window;
  const charts = CHARTS.map((spec) => {
    const plot = h('div', { class: 'chart-plot' });
    const caption = h('figcaption', {}, spec.title);
    const box = h('figure', { class: 'chart', testid: `chart-${spec.key}`, 'data-points': '0' }, caption, plot);
    container.append(box);
    const options = {
      width: Math.max(280, plot.clientWidth || 400),
      height: 170,
      scales: { x: { time: true }, y: { range: spec.range } },
      series: [{}, ...spec.series.map((s) => ({ label: s.label, stroke: s.stroke, width: 2, points: { show: false } }))],
      // Clock times on the x axis: uPlot's default adds a date line that the 15-minute window never needs.
      axes: [{ stroke: '#64748b', space: 70, values: (_u, splits) => splits.map(clock) }, { stroke: '#64748b', size: 48 }],
      legend: { live: true },
    };
    const empty = [[], ...spec.series.map(() => [])];
    return { spec, box, plot, u: new uPlot(options, empty, plot) };
  });

  const resize = new ResizeObserver(() => {
    for (const c of charts) c.u.setSize({ width: Math.max(280, c.plot.clientWidth), height: 170 });
  });
  for (const c of charts) resize.observe(c.plot);

  return {
    update(series) {
      const xs = seconds(series.at);
      for (const c of charts) {
        c.u.setData([xs, ...c.spec.series.map((s) => s.value(series))]);
        c.box.dataset.points = String(xs.length);
      }
    },
    destroy() {
      resize.disconnect();
      for (const c of charts) c.u.destroy();
    },
  };
}
