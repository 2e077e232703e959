// A route's flow drawn as SVG from its graph (GET /admin/routes/<id>/graph): a layered layout of our own (left to
// right, one column per step of the longest path), each node with the usual symbol of its integration pattern, and
// the counters of each measured edge written on it. Text goes in through text nodes only, as everywhere else.

const SVG = 'http://www.w3.org/2000/svg';
const NODE_W = 190;
const NODE_H = 52;
const COL = NODE_W + 130;
const ROW = NODE_H + 34;
const PAD = 24;

/** An SVG element; attributes as given (null/undefined left out), children appended (strings as text). */
export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined) continue;
    if (k === 'testid') el.setAttribute('data-testid', String(v));
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

// Glyphs in a 28x28 box, after the symbols of Hohpe and Woolf's Enterprise Integration Patterns.
const CHANNEL = 'M5 9 H22 A3 5 0 0 1 22 19 H5 A3 5 0 0 1 5 9 Z M22 9 A3 5 0 0 0 22 19';
const GLYPHS = {
  source: [CHANNEL, 'M0 14 H4'],
  target: [CHANNEL, 'M25 14 H28'],
  choice: ['M14 2 L26 14 L14 26 L2 14 Z', 'M14 8 V20'],
  filter: ['M3 5 H25 L17 15 V24 L11 21 V15 Z'],
  split: ['M2 14 H11', 'M11 14 L25 5', 'M11 14 H25', 'M11 14 L25 23'],
  aggregate: ['M3 5 L15 14', 'M3 14 H15', 'M3 23 L15 14', 'M15 14 H26'],
  map: ['M3 9 H11 V17 H3 Z', 'M12 13 H17', 'M15 10 L18 13 L15 16', 'M22 13 m-4 0 a4 4 0 1 0 8 0 a4 4 0 1 0 -8 0'],
  convert: ['M3 9 H11 V17 H3 Z', 'M12 13 H17', 'M15 10 L18 13 L15 16', 'M22 13 m-4 0 a4 4 0 1 0 8 0 a4 4 0 1 0 -8 0'],
  validate: ['M3 4 H25 V24 H3 Z', 'M8 14 L12 19 L21 9'],
  idempotent: ['M14 14 m-11 0 a11 11 0 1 0 22 0 a11 11 0 1 0 -22 0', 'M12 9 L15 7 V21'],
  enrich: ['M3 6 H25 V22 H3 Z', 'M14 9 V19', 'M9 14 H19'],
  wireTap: ['M2 10 H26', 'M14 10 V25', 'M11 22 L14 25 L17 22'],
  setHeaders: ['M3 6 H25 V22 H3 Z', 'M9 10 V18', 'M19 10 V18', 'M9 14 H19'],
  removeHeaders: ['M3 6 H25 V22 H3 Z', 'M9 14 H19'],
  setVars: ['M3 6 H25 V22 H3 Z', 'M9 11 L19 17', 'M19 11 L9 17'],
  throttle: ['M7 3 H21 L14 14 L21 25 H7 L14 14 Z'],
  filtered: ['M14 14 m-10 0 a10 10 0 1 0 20 0 a10 10 0 1 0 -20 0', 'M7 21 L21 7'],
  reply: ['M23 9 H10 A5 5 0 0 0 10 19 H21', 'M7 6 L4 9 L7 12', 'M4 9 H10'],
};

/** What a node kind is drawn as: its pattern family (for its colour). */
const FAMILY = {
  source: 'endpoint',
  target: 'endpoint',
  choice: 'router',
  filter: 'router',
  split: 'router',
  aggregate: 'router',
  map: 'transform',
  convert: 'transform',
  validate: 'transform',
  setHeaders: 'transform',
  removeHeaders: 'transform',
  setVars: 'transform',
  enrich: 'transform',
  wireTap: 'router',
  idempotent: 'guard',
  throttle: 'guard',
  filtered: 'end',
  reply: 'transform',
};

/** Columns (longest path from the source) and rows (ordered by the mean row of each node's predecessors). */
export function layout(graph) {
  // Nodes on no edge (the reply steps of a sync route) go in a row of their own below the flow.
  const linked = new Set(graph.edges.flatMap((e) => [e.from, e.to]));
  const apart = graph.nodes.filter((n, i) => i > 0 && !linked.has(n.id)).map((n) => n.id);
  const ids = graph.nodes.map((n) => n.id).filter((id) => !apart.includes(id));
  const col = new Map(ids.map((id) => [id, 0]));
  // The graph is acyclic: relaxing every edge as often as there are nodes settles the longest paths.
  for (let pass = 0; pass < ids.length; pass++) {
    let changed = false;
    for (const e of graph.edges) {
      if (col.get(e.to) < col.get(e.from) + 1) {
        col.set(e.to, col.get(e.from) + 1);
        changed = true;
      }
    }
    if (!changed) break;
  }
  const columns = [];
  for (const id of ids) (columns[col.get(id)] ??= []).push(id);
  const row = new Map();
  columns.forEach((c) => c.forEach((id, i) => row.set(id, i)));
  const preds = new Map(ids.map((id) => [id, []]));
  for (const e of graph.edges) preds.get(e.to).push(e.from);
  for (let sweep = 0; sweep < 2; sweep++) {
    for (const c of columns.slice(1)) {
      const mean = (id) => {
        const p = preds.get(id);
        return p.length === 0 ? row.get(id) : p.reduce((t, q) => t + row.get(q), 0) / p.length;
      };
      c.sort((a, b) => mean(a) - mean(b) || ids.indexOf(a) - ids.indexOf(b));
      c.forEach((id, i) => row.set(id, i));
    }
  }
  const tallest = Math.max(...columns.map((c) => c.length));
  const pos = new Map();
  columns.forEach((c, ci) => {
    const offset = ((tallest - c.length) * ROW) / 2;
    c.forEach((id, ri) => pos.set(id, { x: PAD + ci * COL, y: PAD + offset + ri * ROW }));
  });
  apart.forEach((id, i) => pos.set(id, { x: PAD + i * COL, y: PAD + tallest * ROW }));
  const rows = tallest + (apart.length > 0 ? 1 : 0);
  return { pos, width: PAD * 2 + (Math.max(columns.length, apart.length) - 1) * COL + NODE_W, height: PAD * 2 + (rows - 1) * ROW + NODE_H + 16 };
}

/** The figures an edge (or the source node) shows: `{ ok, err, text, title }`, from the graph's counts. */
export function measureFigures(measure, counts) {
  if (!measure) return undefined;
  if (measure.kind === 'received') {
    return { ok: counts.received, err: counts.rejected, text: `${counts.received} in · ${counts.rejected} refused`, title: 'messages received; refused at ingress' };
  }
  if (measure.kind === 'filtered') return { ok: counts.completed.filtered, err: 0, text: `${counts.completed.filtered} filtered`, title: 'messages a filter dropped (the route\'s total)' };
  const t = counts.targets[measure.targetId] ?? { delivered: 0, retry: 0, dead: 0 };
  return { ok: t.delivered, err: t.dead, text: `${t.delivered} ok · ${t.dead} dead`, title: `deliveries to ${measure.targetId}: ${t.delivered} delivered, ${t.retry} attempts failed and retried, ${t.dead} dead` };
}

function glyph(kind) {
  return s('g', { class: 'glyph', transform: 'translate(10 12)' }, (GLYPHS[kind] ?? GLYPHS.map).map((d) => s('path', { d })));
}

function shorten(text, max = 26) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A figure label: its text on a white plate, so that it reads over the edges it crosses. */
function figureLabel(x, y, figures, testid, extra = {}) {
  const g = s('g', { class: 'edge-count', testid, 'data-ok': figures.ok, 'data-err': figures.err, ...extra }, s('title', {}, figures.title));
  const width = figures.text.length * 6.6 + 10;
  g.append(s('rect', { x: x - width / 2, y: y - 9, width, height: 17, rx: 4 }));
  g.append(s('text', { x, y: y + 4, 'text-anchor': 'middle', class: figures.err > 0 ? 'has-errors' : null }, figures.text));
  return g;
}

/**
 * Draws `graph` (nodes, edges, counts) as an SVG element. Each node is `data-testid="diagram-node"` with its id and
 * kind; each measured edge has a `diagram-edge-count` label whose data-ok and data-err hold the figures it shows.
 */
export function drawGraph(graph) {
  const { pos, width, height } = layout(graph);
  const svg = s('svg', { class: 'diagram', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': `flow of route ${graph.routeId}`, testid: 'diagram-svg' });
  svg.append(
    s('defs', {}, s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, s('path', { d: 'M0 0 L10 5 L0 10 z', class: 'arrowhead' }))),
  );
  const edges = s('g', { class: 'edges' });
  const labels = s('g', { class: 'labels' });
  // Ports: a node's edges leave and arrive spread over its height, in the order of the nodes at their other end, so
  // that two edges between the same nodes (two branches to one target) stay apart.
  const port = new Map();
  const spread = (side, key, other) => {
    const groups = new Map();
    graph.edges.forEach((e, i) => (groups.get(e[key]) ?? groups.set(e[key], []).get(e[key])).push(i));
    for (const list of groups.values()) {
      list.sort((i, j) => pos.get(graph.edges[i][other]).y - pos.get(graph.edges[j][other]).y || i - j);
      list.forEach((i, k) => port.set(`${side}${i}`, (NODE_H * (k + 1)) / (list.length + 1)));
    }
  };
  spread('out', 'from', 'to');
  spread('in', 'to', 'from');
  graph.edges.forEach((e, i) => {
    const a = pos.get(e.from);
    const b = pos.get(e.to);
    const x1 = a.x + NODE_W;
    const y1 = a.y + port.get(`out${i}`);
    const x2 = b.x;
    const y2 = b.y + port.get(`in${i}`);
    const dx = Math.max(40, (x2 - x1) / 2);
    const measured = e.measure ? ` measure-${e.measure.kind}` : '';
    edges.append(s('path', { class: `edge${measured}`, d: `M${x1} ${y1} C${x1 + dx} ${y1} ${x2 - dx} ${y2} ${x2 - 2} ${y2}`, 'marker-end': 'url(#arrow)', testid: 'diagram-edge', 'data-from': e.from, 'data-to': e.to }));
    // A branch's condition above the middle of its edge; the figures below its end, where edges fanning out of one
    // node have parted.
    const figures = measureFigures(e.measure, graph.counts);
    const lx = x2 - 58;
    const ly = y1 + (y2 - y1) * 0.9 + 7;
    if (e.label) {
      // Above the figures when the edge has them, else above the middle of the edge.
      const at = figures ? { x: lx, y: ly - 13 } : { x: (x1 + x2) / 2, y: (y1 + y2) / 2 - 5 };
      labels.append(s('text', { ...at, 'text-anchor': 'middle', class: 'edge-label' }, shorten(e.label, 22), s('title', {}, e.label)));
    }
    if (figures) labels.append(figureLabel(lx, ly, figures, 'diagram-edge-count', { 'data-edge': i, 'data-measure': e.measure.kind, 'data-target': e.measure.targetId }));
  });
  const nodes = s('g', { class: 'nodes' });
  graph.nodes.forEach((n, i) => {
    const p = pos.get(n.id);
    const g = s(
      'g',
      { class: `node family-${FAMILY[n.kind] ?? 'transform'} kind-${n.kind}`, transform: `translate(${p.x} ${p.y})`, testid: 'diagram-node', 'data-node-id': n.id, 'data-kind': n.kind },
      s('title', {}, `${n.kind}: ${n.label}\n${n.path}`),
      s('rect', { width: NODE_W, height: NODE_H, rx: n.kind === 'choice' ? 2 : 9 }),
      glyph(n.kind),
      s('text', { x: 46, y: 21, class: 'node-kind' }, n.kind === 'target' ? 'target' : kindName(n.kind)),
      s('text', { x: 46, y: 38, class: 'node-label' }, shorten(n.kind === 'target' ? n.targetId : n.label, 19)),
    );
    nodes.append(g);
    const figures = measureFigures(n.measure, graph.counts);
    if (figures) labels.append(figureLabel(p.x + NODE_W / 2, p.y + NODE_H + 11, figures, 'diagram-edge-count', { 'data-node': i, 'data-measure': n.measure.kind, 'data-target': n.measure.targetId }));
  });
  svg.append(edges, nodes, labels);
  return svg;
}

/** The pattern's name as the legend and the nodes say it. */
export function kindName(kind) {
  return (
    {
      source: 'source',
      choice: 'content-based router',
      filter: 'message filter',
      split: 'splitter',
      aggregate: 'aggregator',
      map: 'translator (map)',
      convert: 'translator (convert)',
      validate: 'validate',
      enrich: 'content enricher',
      wireTap: 'wire tap',
      idempotent: 'idempotent consumer',
      throttle: 'throttler',
      setHeaders: 'set headers',
      removeHeaders: 'remove headers',
      setVars: 'set variables',
      filtered: 'dropped',
      reply: 'reply steps',
    }[kind] ?? kind
  );
}

/** Updates the figures of a drawn graph in place (same structure, new counts). */
export function updateCounts(svg, graph) {
  for (const label of svg.querySelectorAll('[data-testid="diagram-edge-count"]')) {
    const edge = label.getAttribute('data-edge');
    const node = label.getAttribute('data-node');
    const measure = edge === null ? graph.nodes[Number(node)].measure : graph.edges[Number(edge)].measure;
    const figures = measureFigures(measure, graph.counts);
    const x = Number(label.querySelector('text').getAttribute('x'));
    const y = Number(label.querySelector('text').getAttribute('y')) - 4;
    const fresh = figureLabel(x, y, figures, 'diagram-edge-count', {
      'data-edge': edge,
      'data-node': node,
      'data-measure': measure.kind,
      'data-target': measure.targetId,
    });
    label.replaceWith(fresh);
  }
}

/** A legend of the symbols a graph uses. */
export function legend(graph) {
  const kinds = [...new Set(graph.nodes.map((n) => n.kind))];
  const svg = s('svg', { class: 'diagram-legend', width: kinds.length * 180, height: 34, testid: 'diagram-legend' });
  kinds.forEach((k, i) => {
    svg.append(
      s('g', { class: `node family-${FAMILY[k] ?? 'transform'}`, transform: `translate(${i * 180} 0)` }, s('g', { class: 'glyph', transform: 'translate(0 3)' }, (GLYPHS[k] ?? GLYPHS.map).map((d) => s('path', { d }))), s('text', { x: 34, y: 21, class: 'node-kind' }, kindName(k))),
    );
  });
  return svg;
}
