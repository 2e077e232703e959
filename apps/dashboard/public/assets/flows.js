// Flows: each loaded route drawn as its flow (GET /admin/routes/<id>/graph: source, steps, branches, targets, built
// by the route compiler), with the route's counters on its edges, refreshed every two seconds while the view is open.
import { api } from './api.js';
import { errorBox, facts, h, replace } from './dom.js';
import { drawGraph, legend, updateCounts } from './diagram.js';
import * as fmt from './format.js';

const REFRESH_MS = 2000;

/** The structure of a graph: nodes and edges, without the counts; a redraw is needed only when it changes. */
const shape = (g) => JSON.stringify([g.nodes, g.edges]);

function summary(graph) {
  const c = graph.counts;
  return facts([
    ['Received', `${fmt.count(c.received)} (refused ${fmt.count(c.rejected)})`, 'flow-received'],
    ['Delivered', fmt.count(c.completed.delivered), 'flow-delivered'],
    ['Filtered', fmt.count(c.completed.filtered), 'flow-filtered'],
    ['Dead', fmt.count(c.completed.dead), 'flow-dead'],
    ['Counted at', fmt.time(graph.at), 'flow-at'],
  ]);
}

/** Renders the flows view: the route list, and the diagram of `routeId` (the first route when none is named). */
export async function renderFlows(view, routeId) {
  const { data: routes } = await api('/admin/routes');
  const chosen = routeId || routes[0]?.id;
  const list = h(
    'nav',
    { class: 'flow-list', testid: 'flow-list' },
    routes.map((r) => h('a', { href: `#/flows/${encodeURIComponent(r.id)}`, class: r.id === chosen ? 'active' : null, testid: `flow-link-${r.id}` }, r.id)),
  );
  const box = h('div', { class: 'flow-box' }, h('p', { class: 'muted' }, routes.length ? 'Loading…' : 'No routes loaded.'));
  view.replaceChildren(
    h('div', { class: 'view-head' }, h('h1', {}, 'Flows'), h('span', { class: 'muted' }, 'Counts since this instance started, as /metrics shows them')),
    h('div', { class: 'flows' }, list, box),
  );
  if (!chosen) return () => undefined;

  let stopped = false;
  let timer;
  let drawn;
  let svg;
  let figures;
  const refresh = async () => {
    try {
      const { data: graph } = await api(`/admin/routes/${encodeURIComponent(chosen)}/graph`);
      if (stopped) return;
      if (drawn !== shape(graph)) {
        drawn = shape(graph);
        svg = drawGraph(graph);
        figures = h('div', { testid: 'flow-summary' }, summary(graph));
        const route = routes.find((r) => r.id === chosen);
        replace(
          box,
          h('h2', {}, chosen, h('span', { class: 'muted' }, ` · ${graph.mode} · ${route?.description ?? ''}`)),
          figures,
          h('div', { class: 'diagram-scroll', testid: 'diagram', 'data-route': chosen, 'data-nodes': graph.nodes.length, 'data-edges': graph.edges.length }, svg),
          legend(graph),
        );
      } else {
        updateCounts(svg, graph);
        replace(figures, summary(graph));
      }
      box.querySelector('[data-testid="diagram"]').setAttribute('data-at', String(graph.at));
    } catch (err) {
      if (!stopped) replace(box, errorBox(err));
    }
    if (!stopped) timer = setTimeout(refresh, REFRESH_MS);
  };
  await refresh();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
