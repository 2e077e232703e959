import { compileFixture, target } from './testing/route-fixtures';

/** Edges as `from -> to [label] {measure}` lines, for readable expectations. */
function lines(route: Record<string, unknown>): string[] {
  const { graph } = compileFixture(route).route;
  return graph.edges.map((e) => {
    const m = e.measure ? ` {${e.measure.kind}${e.measure.kind === 'target' ? `:${e.measure.targetId}` : ''}}` : '';
    return `${e.from} -> ${e.to}${e.label ? ` [${e.label}]` : ''}${m}`;
  });
}

describe('buildRouteGraph', () => {
  it('draws a content-based router: branches with targets end, a branch without goes on after the choice', () => {
    const route = {
      steps: [
        { filter: 'total > 0' },
        {
          choice: {
            when: [{ if: 'total > 1000', to: [target('big')] }, { if: 'vip', steps: [{ setHeaders: { 'x-tier': 'gold' } }] }],
          },
        },
      ],
      to: [target('crm')],
    };
    expect(lines(route)).toEqual([
      'source -> steps.0 {received}',
      'steps.0 -> filtered [false] {filtered}',
      'steps.0 -> steps.1',
      'steps.1 -> target:big [when total > 1000] {target:big}',
      'steps.1 -> steps.1.choice.when.1.steps.0 [when vip]',
      // Two ways into crm: its counters go on its node.
      'steps.1.choice.when.1.steps.0 -> target:crm',
      'steps.1 -> target:crm',
    ]);
    const { graph } = compileFixture(route).route;
    expect(graph.nodes.find((n) => n.id === 'steps.1')).toMatchObject({ kind: 'choice' });
    expect(graph.nodes.filter((n) => n.kind === 'target').map((n) => n.targetId)).toEqual(['big', 'crm']);
    expect(graph.nodes.find((n) => n.id === 'target:crm')?.measure).toEqual({ kind: 'target', targetId: 'crm' });
  });

  it('names every compiled target, default ids included, and counts received at the source when it leads to targets', () => {
    const { route } = compileFixture({
      idempotent: { key: 'id' },
      steps: [{ wireTap: { http: { url: 'http://audit.invalid/log' } } }, { split: { path: 'items', to: [target('lines')] } }],
    });
    const ids = route.graph.nodes.filter((n) => n.kind === 'target').map((n) => n.targetId);
    expect(ids.sort()).toEqual([...route.targets.keys()].sort());
    expect(route.graph.nodes.map((n) => n.kind)).toEqual(['source', 'idempotent', 'wireTap', 'target', 'split', 'target']);
    expect(route.graph.edges[0]).toEqual({ from: 'source', to: 'idempotent', measure: { kind: 'received' } });

    const direct = compileFixture({ to: [target('a'), target('b')] }).route.graph;
    expect(direct.nodes[0]).toMatchObject({ kind: 'source', measure: { kind: 'received' } });
    expect(direct.edges.map((e) => e.measure)).toEqual([{ kind: 'target', targetId: 'a' }, { kind: 'target', targetId: 'b' }]);
  });
});
