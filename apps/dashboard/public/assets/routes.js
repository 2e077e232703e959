// Routes: what is loaded (source, targets, mode, state), each source's link as its connector reports it
// (GET /admin/connectors: connected or reconnecting, backlog, last error), the last reload with the problems of a
// refused one, and the Reload button (POST /admin/routes/reload: 200 when taken, 422 with the problems when refused).
import { api } from './api.js';
import { errorBox, facts, h, link, replace, table } from './dom.js';
import * as fmt from './format.js';

/** A source as one line: its kind, then what addresses it (method and path, topic...). */
function sourceText(source) {
  const parts = [source.kind];
  for (const key of ['method', 'path', 'topic', 'topics', 'groupId', 'service', 'port', 'operation']) {
    const v = source[key];
    if (v === undefined || v === null) continue;
    parts.push(Array.isArray(v) ? v.join(', ') : typeof v === 'object' ? JSON.stringify(v) : String(v));
  }
  return parts.join(' ');
}

function reloadReport(report, testid) {
  if (!report) return h('p', { class: 'muted', testid }, 'No reload yet.');
  return h(
    'div',
    { class: `reload ${report.ok ? 'ok' : 'refused'}`, testid },
    facts([
      ['Result', report.ok ? 'loaded' : 'refused', `${testid}-status`],
      ['At', fmt.time(report.at), `${testid}-at`],
      ['Routes', fmt.count(report.routes), `${testid}-routes`],
    ]),
    report.problems?.length
      ? h('ul', { class: 'problems', testid: `${testid}-problems` }, report.problems.map((p) => h('li', {}, p)))
      : null,
  );
}

/** A source's link: its state, the messages waiting at it when its connector tells, and the last error. */
function linkCell(route) {
  const s = route.link;
  if (!s) return h('span', { class: 'muted', testid: `route-link-${route.id}` }, 'unknown');
  const waiting = s.backlog === undefined ? '' : `, ${fmt.count(s.backlog)} waiting`;
  return h('span', { testid: `route-link-${route.id}`, title: s.error ?? '' }, `${s.state}${waiting}`);
}

const COLUMNS = [
  { title: 'route', cell: (r) => [h('strong', {}, r.id), r.description && h('div', { class: 'muted' }, r.description)] },
  { title: 'source', cell: (r) => h('code', {}, sourceText(r.source)) },
  {
    title: 'targets',
    cell: (r) => h('ul', { class: 'plain' }, r.targets.map((t) => h('li', { title: t.description }, `${t.id} (${t.kind})`))),
  },
  { title: 'mode', cell: (r) => r.mode },
  { title: 'source link', cell: (r) => linkCell(r) },
  { title: 'state', cell: (r) => h('span', { testid: `route-state-${r.id}` }, r.state) },
  { title: 'file', cell: (r) => h('code', { class: 'muted' }, r.file) },
  { title: '', cell: (r) => link(`#/messages?route=${encodeURIComponent(r.id)}`, 'messages') },
];

/** Renders the routes view into `view`. */
export function renderRoutes(view) {
  const list = h('div', { testid: 'routes-list' }, h('p', { class: 'muted' }, 'Loading…'));
  const last = h('div');
  const result = h('div', { 'aria-live': 'polite' });
  const button = h('button', { type: 'button', class: 'primary', testid: 'reload-button' }, 'Reload routes');
  view.replaceChildren(
    h('div', { class: 'view-head' }, h('h1', {}, 'Routes'), button),
    result,
    h('h2', {}, 'Last reload'),
    last,
    h('h2', {}, 'Loaded routes'),
    list,
  );

  const load = async () => {
    try {
      const [routes, report, connectors] = await Promise.all([api('/admin/routes'), api('/admin/routes/reload'), api('/admin/connectors')]);
      const links = new Map(connectors.data.flatMap((c) => c.sources.map((s) => [s.routeId, s])));
      const rows = routes.data.map((r) => ({ ...r, link: links.get(r.id) }));
      const rowAttrs = (r) => ({ testid: `route-${r.id}` });
      replace(list, table(COLUMNS, rows, { rowAttrs, empty: 'No routes loaded.' }));
      replace(last, reloadReport(report.data, 'last-reload'));
    } catch (err) {
      replace(list, errorBox(err));
    }
  };

  button.addEventListener('click', async () => {
    button.disabled = true;
    replace(result, h('p', { class: 'muted' }, 'Reloading…'));
    try {
      const { data } = await api('/admin/routes/reload', { method: 'POST', body: {}, accept: [422] });
      const heading = data.ok ? 'Reload done' : 'Reload refused: the previous routes keep running';
      replace(result, h('h2', {}, heading), reloadReport(data, 'reload-result'));
      await load();
    } catch (err) {
      replace(result, errorBox(err, 'reload-error'));
    } finally {
      button.disabled = false;
    }
  });

  void load();
  return () => undefined;
}
