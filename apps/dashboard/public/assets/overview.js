// Overview: the live figures of the bus and of each route, updated on every event of /admin/live (once a second),
// and the charts of the last 15 minutes. Cells are updated in place, not rebuilt, so a second's update stays cheap.
import { api } from './api.js';
import { createCharts } from './charts.js';
import { h, link } from './dom.js';
import * as fmt from './format.js';
import { liveState, seriesOf, subscribe } from './live.js';
import { renderResilience } from './resilience.js';

/** The figures shown, by the key their testids use (`bus-<key>`, `route-<key>-<routeId>`). */
const FIGURES = [
  { key: 'in-rate', label: 'in/s', get: (f) => f.inPerSec, format: fmt.rate },
  { key: 'out-rate', label: 'out/s', get: (f) => f.outPerSec, format: fmt.rate },
  { key: 'p50', label: 'p50', get: (f) => f.p50Ms, format: fmt.ms },
  { key: 'p95', label: 'p95', get: (f) => f.p95Ms, format: fmt.ms },
  { key: 'p99', label: 'p99', get: (f) => f.p99Ms, format: fmt.ms },
  { key: 'error-rate', label: 'error rate', get: (f) => f.errorRate, format: fmt.percent },
  { key: 'in-flight', label: 'in flight', get: (f) => f.inFlight, format: fmt.count },
  { key: 'pending-retries', label: 'pending retries', get: (f) => f.pendingRetries, format: fmt.count },
  { key: 'dead-letters', label: 'dead letters', get: (f) => f.deadLetters, format: fmt.count },
  { key: 'backlog', label: 'Backlog', get: (f) => f.backlog, format: fmt.count },
];

function show(el, value, format) {
  const text = format(value);
  if (el.textContent !== text) el.textContent = text;
  el.dataset.value = value === null || value === undefined ? '' : String(value);
}

/** Renders the overview into `view`; returns its cleanup (unsubscribe, charts destroyed). */
export function renderOverview(view) {
  const cards = FIGURES.map((f) => ({ f, el: h('div', { class: 'card-value', testid: `bus-${f.key}` }, '—') }));
  // The journal is the bus's alone: a card, no column in the route table.
  const journal = h('div', { class: 'card-value', testid: 'bus-journal-bytes' }, '—');
  const totals = h('p', { class: 'muted', testid: 'bus-totals' });
  const busOption = () => h('option', { value: 'bus' }, 'whole bus');
  const scope = h('select', { testid: 'chart-scope', 'aria-label': 'Charts for' }, busOption());
  const chartBox = h('div', { class: 'charts', testid: 'charts', 'data-scope': 'bus' });
  const routeBody = h('tbody');
  const resilienceBox = h('section', { testid: 'resilience' });
  view.replaceChildren(
    h('div', { class: 'view-head' }, h('h1', {}, 'Overview'), h('label', {}, 'Charts for ', scope)),
    h(
      'section',
      { class: 'cards', testid: 'bus-figures' },
      cards.map(({ f, el }) => h('div', { class: 'card' }, h('div', { class: 'card-label' }, f.label), el)),
      h('div', { class: 'card' }, h('div', { class: 'card-label' }, 'journal'), journal),
    ),
    totals,
    chartBox,
    h('h2', {}, 'Routes'),
    h(
      'table',
      { class: 'grid figures', testid: 'route-figures' },
      h('thead', {}, h('tr', {}, h('th', {}, 'route'), FIGURES.map((f) => h('th', { class: 'num' }, f.label)))),
      routeBody,
    ),
    resilienceBox,
  );
  const stopResilience = renderResilience(resilienceBox);

  const charts = createCharts(chartBox);
  let chartScope = 'bus';
  let routeIds = '';
  let rowCells = new Map();

  const drawCharts = () => {
    const series = liveState().series.get(chartScope);
    if (!series) return;
    charts.update(series);
    chartBox.dataset.scope = chartScope;
  };

  const buildRows = (ids) => {
    rowCells = new Map();
    routeBody.replaceChildren(
      ...(ids.length ? [] : [h('tr', {}, h('td', { class: 'empty', colspan: FIGURES.length + 1 }, 'No routes loaded.'))]),
      ...ids.map((id) => {
        const cells = FIGURES.map((f) => ({ f, el: h('td', { class: 'num', testid: `route-${f.key}-${id}` }, '—') }));
        rowCells.set(id, cells);
        const name = h('td', {}, link(`#/messages?route=${encodeURIComponent(id)}`, id));
        return h('tr', { testid: `route-row-${id}` }, name, cells.map((c) => c.el));
      }),
    );
    const chosen = scope.value;
    scope.replaceChildren(busOption(), ...ids.map((id) => h('option', { value: id }, `route ${id}`)));
    scope.value = ids.includes(chosen) ? chosen : 'bus';
    chartScope = scope.value;
  };

  const onState = (state) => {
    const snap = state.snapshot;
    if (!snap) return;
    for (const { f, el } of cards) show(el, f.get(snap.bus), f.format);
    show(journal, snap.journal?.bytes, fmt.bytes);
    if (snap.journal) journal.title = `${fmt.count(snap.journal.rows)} messages, ${fmt.bytes(snap.journal.usedBytes)} in use`;
    const t = snap.bus.totals;
    if (t) {
      const [received, completed, failed] = [t.received, t.completed, t.failed].map(fmt.count);
      totals.textContent = `Since start: ${received} received, ${completed} completed, ${failed} failed.`;
    }
    const ids = Object.keys(snap.routes ?? {}).sort();
    if (ids.join('\n') !== routeIds) {
      routeIds = ids.join('\n');
      buildRows(ids);
    }
    for (const [id, cells] of rowCells) for (const { f, el } of cells) show(el, f.get(snap.routes[id]), f.format);
    drawCharts();
  };

  scope.addEventListener('change', () => {
    chartScope = scope.value;
    void seriesOf(chartScope).then(drawCharts, () => undefined);
  });

  const unsubscribe = subscribe(onState);
  void seriesOf('bus').then(drawCharts, () => undefined);
  onState(liveState());
  // Until the first live event, the rows come from the route list, so the table is never blank while connecting.
  if (!liveState().snapshot) {
    void api('/admin/routes').then(
      ({ data }) => !liveState().snapshot && buildRows(data.map((r) => r.id).sort()),
      () => undefined,
    );
  }
  return () => {
    unsubscribe();
    stopResilience();
    charts.destroy();
  };
}
