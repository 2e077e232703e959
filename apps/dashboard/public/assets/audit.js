// Audit log: who signed in (or failed to), reloaded, replayed; newest first, older pages on demand.
import { api, query } from './api.js';
import { badge, errorBox, h, replace, table } from './dom.js';
import * as fmt from './format.js';

const PAGE = 50;

const COLUMNS = [
  { title: 'at', cell: (e) => fmt.time(e.at) },
  { title: 'actor', cell: (e) => e.actor ?? '—' },
  { title: 'action', cell: (e) => h('code', {}, e.action) },
  { title: 'target', cell: (e) => (e.target ? h('code', { class: 'wrap' }, e.target) : '') },
  { title: 'outcome', cell: (e) => (e.outcome ? badge(e.outcome) : '') },
  { title: 'detail', cell: (e) => h('span', { class: 'wrap' }, detailText(e.detail)) },
  { title: 'from', cell: (e) => e.remote ?? '' },
];

function detailText(detail) {
  if (detail === null || detail === undefined) return '';
  if (typeof detail === 'string') return detail;
  return Object.keys(detail).length ? JSON.stringify(detail) : '';
}

/** Renders the audit log into `view`. */
export async function renderAudit(view) {
  const rows = [];
  const list = h('div', { testid: 'audit-list' }, h('p', { class: 'muted' }, 'Loading…'));
  const older = h('button', { type: 'button', testid: 'audit-older' }, 'Older entries');
  const refresh = h('button', { type: 'button', testid: 'audit-refresh' }, 'Refresh');
  view.replaceChildren(h('div', { class: 'view-head' }, h('h1', {}, 'Audit log'), refresh), list);

  let full = false;
  const rowAttrs = (e) => ({ testid: 'audit-row', 'data-action': e.action });
  const draw = () =>
    replace(list, table(COLUMNS, rows, { testid: 'audit-table', rowAttrs, empty: 'No entries.' }), full ? older : null);
  const page = async (before) => {
    try {
      const { data } = await api(`/admin/audit${query({ limit: PAGE, before })}`);
      rows.push(...data);
      full = data.length === PAGE;
      draw();
    } catch (err) {
      replace(list, errorBox(err));
    }
  };
  older.addEventListener('click', () => void page(rows[rows.length - 1]?.id));
  refresh.addEventListener('click', () => {
    rows.length = 0;
    void page();
  });
  await page();
  return () => undefined;
}
