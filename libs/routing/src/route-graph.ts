import type { RouteDef, StepDef, TargetDef } from '@junction/config';
import type { CompiledTarget } from './compiled-route';
import type { DefPath } from './compile-context';

/**
 * What a node of a route's flow is, named after its integration pattern: the source and targets (channel endpoints),
 * the Idempotent Consumer and the route's Throttler at ingress, each step kind, and the end a filter drops to.
 */
export type GraphNodeKind =
  | 'source'
  | 'idempotent'
  | 'throttle'
  | 'validate'
  | 'map'
  | 'setHeaders'
  | 'removeHeaders'
  | 'convert'
  | 'setVars'
  | 'filter'
  | 'choice'
  | 'split'
  | 'enrich'
  | 'wireTap'
  | 'aggregate'
  | 'target'
  | 'filtered'
  | 'reply';

/** One node: `id` is unique in the graph (its place in the route, e.g. `steps.0.choice`); `path` is where it stands
 *  in the route file; `targetId` names the compiled target of a target node. */
export interface GraphNode {
  readonly id: string;
  readonly kind: GraphNodeKind;
  readonly label: string;
  readonly path: string;
  readonly targetId?: string;
  /** The counter a node shows itself: the source's received count when its first edge counts a target's deliveries,
   *  a target's deliveries when several edges lead to it. */
  readonly measure?: EdgeMeasure;
}

/**
 * Which of the route's counters an edge carries: `received` (messages taken in; errors: refused at ingress),
 * `target` (deliveries to `targetId`: delivered; errors: dead), `filtered` (messages a filter dropped). Absent on
 * edges no counter measures by itself.
 */
export type EdgeMeasure = { readonly kind: 'received' } | { readonly kind: 'target'; readonly targetId: string } | { readonly kind: 'filtered' };

export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  /** A choice branch's condition (`when: <expr>`, `otherwise`), `parts` of a split, `call` of an enricher... */
  readonly label?: string;
  readonly measure?: EdgeMeasure;
}

/** A route's flow as a graph: the dashboard draws it, the admin API serves it. */
export interface RouteGraph {
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
}

/**
 * Builds the flow graph of a route from the definition the compiler compiled, with the flow's own rules: a choice
 * branch or a split with `to` ends there, one without goes on after the step; `targetOf` is the compiler's own target
 * lookup, so every target node names the compiled target (its id, defaulted or given) that the counters use.
 */
export function buildRouteGraph(def: RouteDef, sourceKind: string, targetOf: (def: TargetDef, path: DefPath) => CompiledTarget): RouteGraph {
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const add = (node: GraphNode): string => {
    nodes.push(node);
    return node.id;
  };
  const link = (from: readonly string[], to: string, extra: Omit<GraphEdge, 'from' | 'to'> = {}) => {
    for (const f of from) edges.push({ from: f, to, ...extra });
  };
  let filteredEnd: string | undefined;
  const dropped = () => (filteredEnd ??= add({ id: 'filtered', kind: 'filtered', label: 'filtered', path: 'steps' }));

  // One node per compiled target, however many branches lead to it (a target written once with a YAML anchor and
  // used in two branches is one target with one queue and one set of counters).
  const target = (t: TargetDef, path: DefPath, from: readonly string[], label?: string) => {
    const compiled = targetOf(t, path);
    const id = `target:${compiled.id}`;
    if (!nodes.some((n) => n.id === id)) add({ id, kind: 'target', label: `${compiled.id} (${compiled.kind})`, path: key(path), targetId: compiled.id });
    link(from, id, { ...(label && { label }), measure: { kind: 'target', targetId: compiled.id } });
  };
  const targets = (list: readonly TargetDef[], path: DefPath, from: readonly string[], label?: string) =>
    list.forEach((t, i) => target(t, [...path, i], from, i === 0 ? label : undefined));

  /** Adds the steps after `from` and returns the nodes the flow goes on from (empty when every branch ended). */
  const steps = (list: readonly StepDef[], path: DefPath, from: string[], firstLabel?: string): string[] => {
    let tails = from;
    let label = firstLabel;
    list.forEach((step, i) => {
      const p = [...path, i];
      tails = stepNode(step, p, tails, label);
      label = undefined;
    });
    return tails;
  };

  const stepNode = (step: StepDef, path: DefPath, from: string[], label: string | undefined): string[] => {
    const kind = stepKind(step);
    const id = add({ id: key(path), kind, label: stepLabel(step, kind), path: key(path) });
    link(from, id, label ? { label } : {});
    if (step.filter !== undefined) link([id], dropped(), { label: 'false', measure: { kind: 'filtered' } });
    if (step.wireTap) target(step.wireTap, [...path, 'wireTap'], [id], 'copy');
    if (step.enrich) target(step.enrich.target, [...path, 'enrich', 'target'], [id], 'call');
    if (step.choice) {
      const out: string[] = [];
      step.choice.when.forEach((w, j) => out.push(...branch(w, [...path, 'choice', 'when', j], id, `when ${w.if}`)));
      if (step.choice.otherwise) out.push(...branch(step.choice.otherwise, [...path, 'choice', 'otherwise'], id, 'otherwise'));
      // No branch taken and no otherwise: the message goes on unchanged.
      else out.push(id);
      return out;
    }
    if (step.split) return branch(step.split as { steps?: StepDef[]; to?: TargetDef[] }, [...path, 'split'], id, 'parts');
    return [id];
  };

  /** A branch (choice or split): its steps, then its targets, which end it; without targets the flow goes on. */
  const branch = (b: { steps?: StepDef[]; to?: TargetDef[] }, path: DefPath, from: string, label: string): string[] => {
    const hasSteps = (b.steps?.length ?? 0) > 0;
    const tails = steps(b.steps ?? [], [...path, 'steps'], [from], label);
    if (!b.to) return tails;
    targets(b.to, [...path, 'to'], tails, hasSteps ? undefined : label);
    return [];
  };

  let tails = [add({ id: 'source', kind: 'source', label: sourceKind, path: `from.${sourceKind}` })];
  const ingress = (node: GraphNode) => {
    link(tails, add(node));
    tails = [node.id];
  };
  if (def.throttle) ingress({ id: 'throttle', kind: 'throttle', label: 'throttle', path: 'throttle' });
  if (def.idempotent) ingress({ id: 'idempotent', kind: 'idempotent', label: `idempotent ${def.idempotent.key}`, path: 'idempotent' });
  tails = steps(def.steps, ['steps'], tails);
  targets(def.to, ['to'], tails);
  // A target reached by several edges shows its counters once, on its node: each edge would show the same total.
  for (const [i, n] of nodes.entries()) {
    const into = edges.filter((e) => e.to === n.id);
    if (n.kind !== 'target' || into.length < 2) continue;
    nodes[i] = { ...n, measure: { kind: 'target', targetId: n.targetId! } };
    for (const [j, e] of edges.entries()) if (e.to === n.id) edges[j] = { from: e.from, to: e.to, ...(e.label && { label: e.label }) };
  }
  // The first edge out of the source carries the received count; when it already counts a target's deliveries (a
  // route without steps), the source node carries it.
  const first = edges.findIndex((e) => e.from === 'source');
  if (first >= 0 && !edges[first].measure) edges[first] = { ...edges[first], measure: { kind: 'received' } };
  else nodes[0] = { ...nodes[0], measure: { kind: 'received' } };
  if (def.reply.length > 0) add({ id: 'reply', kind: 'reply', label: `reply (${def.reply.length} step${def.reply.length > 1 ? 's' : ''})`, path: 'reply' });
  return { nodes, edges };
}

const STEP_KINDS = ['validate', 'map', 'setHeaders', 'removeHeaders', 'convert', 'setVars', 'filter', 'choice', 'split', 'enrich', 'wireTap', 'aggregate'] as const;

function stepKind(step: StepDef): GraphNodeKind {
  return STEP_KINDS.find((k) => step[k] !== undefined) ?? 'map';
}

/** A short label: the step kind and what tells it apart (a filter's expression, a conversion's formats...). */
function stepLabel(step: StepDef, kind: GraphNodeKind): string {
  const short = (s: string) => {
    const one = s.replace(/\s+/g, ' ').trim();
    return one.length > 40 ? `${one.slice(0, 39)}…` : one;
  };
  switch (kind) {
    case 'filter':
      return `filter ${short(step.filter!)}`;
    case 'validate':
      return typeof step.validate!.schema === 'string' ? `validate ${short(step.validate!.schema)}` : 'validate (inline schema)';
    case 'convert':
      return `convert to ${step.convert!.to}`;
    case 'split':
      return `split ${short((step.split as { path?: string; expr?: string }).path ?? (step.split as { expr?: string }).expr ?? '')}`;
    case 'aggregate':
      return 'aggregate';
    case 'setHeaders':
      return `set headers ${Object.keys(step.setHeaders!).join(', ')}`;
    case 'removeHeaders':
      return 'remove headers';
    case 'setVars':
      return `set vars ${Object.keys(step.setVars!).join(', ')}`;
    case 'enrich':
      return 'enrich';
    case 'wireTap':
      return 'wire tap';
    case 'choice':
      return 'choice';
    default:
      return kind;
  }
}

function key(path: DefPath): string {
  return path.join('.');
}
