// Messages: the search form (its values live in the hash, so Back from a message returns to the same results) and
// the result table. A message id goes straight to that message.
import { api, query } from './api.js';
import { badge, errorBox, h, link, replace, table } from './dom.js';
import * as fmt from './format.js';

const STATUSES = ['received', 'pending', 'delivered', 'filtered', 'dead', 'duplicate', 'held', 'aggregated'];
const FILTERS = ['route', 'status', 'correlationId', 'businessKey', 'since', 'until'];
const PAGE = 50;

const COLUMNS = [
  { title: 'received', cell: (m) => fmt.time(m.receivedAt) },
  { title: 'message', cell: (m) => link(`#/messages/${encodeURIComponent(m.id)}`, m.id, `message-link-${m.id}`) },
  { title: 'route', cell: (m) => m.routeId },
  { title: 'status', cell: (m) => badge(m.status) },
  { title: 'correlation id', cell: (m) => h('code', {}, m.correlationId) },
  { title: 'business key', cell: (m) => m.businessKey ?? '—' },
  { title: 'failure', cell: (m) => (m.failure ? `${m.failure.code}: ${m.failure.message}` : '') },
];

function input(name, label, value, attrs = {}) {
  return h('label', {}, label, h('input', { name, value: value ?? '', testid: `search-${name}`, ...attrs }));
}

/** Renders the messages view; `params` are the hash's query (the filters of the search to run). */
export async function renderMessages(view, params) {
  const routes = await api('/admin/routes').then((r) => r.data.map((x) => x.id), () => []);
  const routeSelect = h(
    'select',
    { name: 'route', testid: 'search-route' },
    h('option', { value: '' }, 'any'),
    routes.map((id) => h('option', { value: id }, id)),
  );
  routeSelect.value = params.get('route') ?? '';
  const statusSelect = h(
    'select',
    { name: 'status', testid: 'search-status' },
    h('option', { value: '' }, 'any'),
    STATUSES.map((s) => h('option', { value: s }, s)),
  );
  statusSelect.value = params.get('status') ?? '';

  const form = h(
    'form',
    { class: 'search', testid: 'message-search' },
    input('id', 'Message id', ''),
    input('correlationId', 'Correlation id', params.get('correlationId')),
    input('businessKey', 'Business key', params.get('businessKey')),
    h('label', {}, 'Route', routeSelect),
    h('label', {}, 'Status', statusSelect),
    input('since', 'Since', fmt.isoToLocal(params.get('since')), { type: 'datetime-local', step: 1 }),
    input('until', 'Until', fmt.isoToLocal(params.get('until')), { type: 'datetime-local', step: 1 }),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', class: 'primary', testid: 'search-submit' }, 'Search'),
      h('button', { type: 'reset', testid: 'search-clear' }, 'Clear'),
    ),
  );
  const results = h('div', { testid: 'message-results' });
  view.replaceChildren(h('div', { class: 'view-head' }, h('h1', {}, 'Messages')), form, results);

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const id = String(data.get('id') ?? '').trim();
    if (id) return void (location.hash = `#/messages/${encodeURIComponent(id)}`);
    const filters = {};
    for (const name of FILTERS) filters[name] = String(data.get(name) ?? '').trim();
    filters.since = fmt.localToIso(filters.since);
    filters.until = fmt.localToIso(filters.until);
    const next = `#/messages${query(filters)}`;
    // The same search again (e.g. to refresh): the hash does not change, so run it here.
    if (location.hash === next) void search(results, params);
    else location.hash = next;
  });
  form.addEventListener('reset', () => setTimeout(() => (location.hash = '#/messages'), 0));

  await search(results, params);
  return () => undefined;
}

const countText = (n) => (n ? `${n} message(s), newest first` : 'No message matches.');

async function search(results, params) {
  const filters = {};
  for (const name of FILTERS) filters[name] = params.get(name) ?? '';
  const rows = [];
  let full = false;
  const more = h('button', { type: 'button', testid: 'search-more' }, 'Older messages');
  const draw = () => {
    replace(
      results,
      h('p', { class: 'muted', testid: 'message-count' }, countText(rows.length)),
      table(COLUMNS, rows, { rowAttrs: (m) => ({ testid: `message-row-${m.id}` }), empty: 'No message matches.' }),
      full ? more : null,
    );
  };
  const page = async (before) => {
    try {
      const { data } = await api(`/admin/messages${query({ ...filters, limit: PAGE, before })}`);
      rows.push(...data);
      full = data.length === PAGE;
      draw();
    } catch (err) {
      replace(results, errorBox(err));
    }
  };
  more.addEventListener('click', () => void page(rows[rows.length - 1]?.id));
  replace(results, h('p', { class: 'muted' }, 'Searching…'));
  await page();
}
