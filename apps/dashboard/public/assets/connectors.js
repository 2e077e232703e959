// Connectors: the state of each route's source as its connector reports it (GET /admin/connectors: connected or
// reconnecting, since when, the backlog waiting at it: Kafka consumer lag, a queue's depth, files waiting), and each
// target's queue in the outbox (GET /admin/connectors/targets: deliveries pending), refreshed every two seconds.
import { api } from './api.js';
import { badge, errorBox, h, replace, table } from './dom.js';
import * as fmt from './format.js';

const REFRESH_MS = 2000;

const STATE_BADGE = { connected: 'delivered', connecting: 'pending', reconnecting: 'pending', stopped: 'dead' };

/** Kind-specific detail as one short line (partitions, a queue's name...). */
function detailText(detail) {
  if (!detail) return '';
  return Object.entries(detail)
    .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join('; ');
}

/** Renders the connectors view; returns its cleanup (stops the refresh). */
export function renderConnectors(view) {
  const kinds = h('div', { testid: 'connector-kinds' }, h('p', { class: 'muted' }, 'Loading…'));
  const sources = h('div', { testid: 'connector-sources' });
  const targets = h('div', { testid: 'connector-targets' });
  view.replaceChildren(
    h('div', { class: 'view-head' }, h('h1', {}, 'Connectors')),
    h('h2', {}, 'Sources'),
    sources,
    h('h2', {}, 'Targets: queues in the outbox'),
    targets,
    h('h2', {}, 'Connector kinds'),
    kinds,
  );
  let stopped = false;
  let timer;

  const draw = (connectors, queues) => {
    const rows = connectors.flatMap((c) => c.sources.map((s) => ({ ...s, kind: c.kind })));
    replace(
      sources,
      table(
        [
          { title: 'route', cell: (s) => s.routeId },
          { title: 'kind', cell: (s) => s.kind },
          { title: 'state', cell: (s) => h('span', { testid: `source-state-${s.routeId}` }, badge(s.state, STATE_BADGE[s.state] ?? s.state)) },
          { title: 'since', cell: (s) => fmt.time(s.since) },
          { title: 'lag / waiting', class: 'num', cell: (s) => h('span', { testid: `source-backlog-${s.routeId}` }, s.backlog === undefined ? '—' : fmt.count(s.backlog)) },
          { title: 'last error', cell: (s) => (s.error ? h('span', { class: 'refused' }, s.error) : '—') },
          { title: 'detail', cell: (s) => h('code', { class: 'muted wrap' }, detailText(s.detail)) },
        ],
        rows,
        { empty: 'No source reports a link (HTTP and SOAP sources have none).', rowAttrs: (s) => ({ testid: `source-${s.routeId}` }) },
      ),
    );
    replace(
      targets,
      table(
        [
          { title: 'route', cell: (t) => t.routeId },
          { title: 'target', cell: (t) => h('span', { title: t.description }, t.targetId) },
          { title: 'kind', cell: (t) => t.kind },
          { title: 'queue depth', class: 'num', cell: (t) => h('span', { testid: `target-pending-${t.routeId}-${t.targetId}` }, fmt.count(t.pending)) },
        ],
        queues,
        { empty: 'No targets loaded.', rowAttrs: (t) => ({ testid: `target-queue-${t.routeId}-${t.targetId}` }) },
      ),
    );
    replace(
      kinds,
      table(
        [
          { title: 'kind', cell: (c) => c.kind },
          { title: 'connector', cell: (c) => c.title },
          { title: 'source', cell: (c) => (c.source ? 'yes' : '—') },
          { title: 'target', cell: (c) => (c.target ? 'yes' : '—') },
          { title: 'sources running', class: 'num', cell: (c) => fmt.count(c.sources.length) },
        ],
        connectors,
        { rowAttrs: (c) => ({ testid: `connector-${c.kind}` }) },
      ),
    );
  };

  const refresh = async () => {
    try {
      const [connectors, queues] = await Promise.all([api('/admin/connectors'), api('/admin/connectors/targets')]);
      if (!stopped) draw(connectors.data, queues.data);
    } catch (err) {
      if (!stopped) replace(kinds, errorBox(err));
    }
    if (!stopped) timer = setTimeout(refresh, REFRESH_MS);
  };
  void refresh();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
