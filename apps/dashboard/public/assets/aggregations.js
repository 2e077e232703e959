// Aggregation groups held now (the Aggregator): route, step, correlation key, parts, since, due, expiry.
import { api, query } from './api.js';
import { errorBox, facts, h, link, replace, table } from './dom.js';
import * as fmt from './format.js';

const COLUMNS = [
  { title: 'route', cell: (g) => link(`#/messages?route=${encodeURIComponent(g.routeId)}&status=held`, g.routeId) },
  { title: 'step', cell: (g) => h('code', {}, g.step) },
  { title: 'key', cell: (g) => h('code', { class: 'wrap' }, g.key) },
  { title: 'parts', cell: (g) => (g.size ? `${fmt.count(g.parts)} of ${fmt.count(g.size)}` : fmt.count(g.parts)) },
  { title: 'since', cell: (g) => fmt.time(g.firstAt) },
  { title: 'last part', cell: (g) => fmt.time(g.lastAt) },
  { title: 'dead-lettered at', cell: (g) => fmt.time(g.expiresAt) },
  { title: 'completing', cell: (g) => g.leaseOwner ?? '' },
];

/** Renders the held aggregation groups into `view`, oldest first. */
export async function renderAggregations(view, params) {
  const route = params?.get('route') ?? undefined;
  const list = h('div', { testid: 'aggregations-list' }, h('p', { class: 'muted' }, 'Loading…'));
  const refresh = h('button', { type: 'button', testid: 'aggregations-refresh' }, 'Refresh');
  view.replaceChildren(h('div', { class: 'view-head' }, h('h1', {}, 'Aggregations'), refresh), list);
  const load = async () => {
    try {
      const { data } = await api(`/admin/aggregations${query({ route, limit: 200 })}`);
      replace(
        list,
        facts([
          ['groups held', fmt.count(data.totals.groups)],
          ['parts held', fmt.count(data.totals.parts)],
          ['completed here', fmt.count(data.completer.completed)],
          ['dead-lettered here', fmt.count(data.completer.expired)],
        ]),
        table(COLUMNS, data.groups, { testid: 'aggregations-table', rowAttrs: () => ({ testid: 'aggregation-row' }), empty: 'No group is held.' }),
      );
    } catch (err) {
      replace(list, errorBox(err));
    }
  };
  refresh.addEventListener('click', () => void load());
  await load();
  return () => undefined;
}
