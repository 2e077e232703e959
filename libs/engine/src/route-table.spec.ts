import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, type IngressBinding, type IngressConnector, type MessageSink } from '@junction/core';
import { CaptureEgress } from '@junction/routing';
import { RouteTable } from './route-table';
import { SPEC_CONNECTORS } from '../../connectors/src/testing/spec-connectors';

/** An ingress that records what the table asks of it; `refuse` makes `prepare` reject as a connector would. */
class FakeIngress implements IngressConnector {
  readonly kind = 'http';
  readonly verified: Array<readonly IngressBinding[]> = [];
  readonly bound: Array<readonly IngressBinding[]> = [];
  refuse?: string;

  async prepare(bindings: readonly IngressBinding[]): Promise<void> {
    this.verified.push(bindings);
    if (this.refuse) throw new ConfigError(this.refuse);
  }

  async start(_sink: MessageSink): Promise<void> {}

  bind(bindings: readonly IngressBinding[]): void {
    this.bound.push(bindings);
  }

  async close(): Promise<void> {}
}

const route = (id: string, path: string, body = '', url = `http://${id}.invalid/in`) => `  - id: ${id}
    from:
      http: { path: ${path} }
${body}    to:
      - id: main
        http: { url: "${url}" }
`;
const file = (...routes: string[]) => `routes:\n${routes.join('')}`;

describe('RouteTable', () => {
  let dir: string;
  let ingress: FakeIngress;
  let table: RouteTable;
  const write = (name: string, text: string) => writeFileSync(join(dir, name), text);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'junction-route-table-'));
    ingress = new FakeIngress();
    table = new RouteTable({ connectors: SPEC_CONNECTORS, dir, env: {}, egress: new Map([['http', new CaptureEgress('http')]]), ingress: new Map([['http', ingress]]) });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('has no routes and a "not loaded yet" report before the first reload', async () => {
    expect(table.list()).toEqual([]);
    expect(table.get('orders')).toBeUndefined();
    expect(table.lastReload).toMatchObject({ ok: false, routes: 0, problems: ['not loaded yet'] });
    expect(ingress.bound).toEqual([]);
  });

  it('loads the folder and binds each route to the ingress of its kind', async () => {
    write('orders.yaml', file(route('orders', '/orders'), route('stock', '/stock', '    mode: sync\n')));
    const before = Date.now();
    const report = await table.reload();
    expect(report).toEqual({ ok: true, at: expect.any(Number), routes: 2, problems: [] });
    expect(report.at).toBeGreaterThanOrEqual(before);
    expect(table.lastReload).toBe(report);
    expect(table.list().map((r) => r.id)).toEqual(['orders', 'stock']);
    expect(table.get('stock')?.mode).toBe('sync');
    expect(ingress.bound).toEqual([
      [
        { routeId: 'orders', mode: 'async', baseDir: dir, config: { path: '/orders', method: 'POST' } },
        { routeId: 'stock', mode: 'sync', baseDir: dir, config: { path: '/stock', method: 'POST' } },
      ],
    ]);
    expect(ingress.verified).toEqual(ingress.bound);
  });

  it('keeps the previous routes and bindings when a file breaks, and reports the problem with file and line', async () => {
    write('orders.yaml', file(route('orders', '/orders')));
    write('stock.yaml', file(route('stock', '/stock')));
    await table.reload();
    const previous = table.get('orders');

    write('orders.yaml', file(route('orders', '/orders', '    steps:\n      - filter: "total >"\n')));
    const report = await table.reload();
    expect(report.ok).toBe(false);
    expect(report.routes).toBe(2);
    expect(report.problems).toEqual([
      expect.stringMatching(new RegExp(`^${join(dir, 'orders.yaml')}:6 routes\\[0\\]\\.steps\\[0\\]\\.filter: JSONata syntax error`)),
    ]);
    expect(table.lastReload).toBe(report);
    expect(table.get('orders')).toBe(previous);
    expect(table.list().map((r) => r.id)).toEqual(['orders', 'stock']);
    expect(ingress.bound).toHaveLength(1);
  });

  it('swaps in a fixed file and rebinds', async () => {
    write('orders.yaml', file(route('orders', '/orders')));
    await table.reload();
    const first = table.get('orders');
    write('orders.yaml', 'routes: [ broken');
    expect((await table.reload()).ok).toBe(false);

    write('orders.yaml', file(route('orders', '/orders/v2', '', 'http://crm.invalid/v2')));
    const report = await table.reload();
    expect(report).toMatchObject({ ok: true, routes: 1, problems: [] });
    const fixed = table.get('orders');
    expect(fixed).not.toBe(first);
    expect(fixed?.targets.get('main')?.description).toBe('captured http://crm.invalid/v2');
    expect(ingress.bound.at(-1)).toEqual([{ routeId: 'orders', mode: 'async', baseDir: dir, config: { path: '/orders/v2', method: 'POST' } }]);
    expect(ingress.bound).toHaveLength(2);
  });

  it('refuses two routes on the same ingress path, naming the first', async () => {
    write('a.yaml', file(route('orders', '/orders')));
    await table.reload();
    write('b.yaml', file(route('orders-copy', '/orders')));
    const report = await table.reload();
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      `${join(dir, 'b.yaml')}:3 routes[0].from: ingress "http POST /orders" is already taken by route "orders" at ${join(dir, 'a.yaml')}:3`,
    ]);
    expect(table.list().map((r) => r.id)).toEqual(['orders']);
    expect(ingress.bound).toHaveLength(1);
  });

  it('refuses a set the ingress connector rejects, and binds nothing', async () => {
    write('orders.yaml', file(route('orders', '/orders')));
    ingress.refuse = 'path /orders clashes with the admin API';
    const report = await table.reload();
    expect(report).toMatchObject({ ok: false, routes: 0, problems: ['path /orders clashes with the admin API'] });
    expect(ingress.verified).toHaveLength(1);
    expect(ingress.bound).toEqual([]);
    expect(table.get('orders')).toBeUndefined();
  });

  it('refuses a route whose source kind has no ingress connector', async () => {
    write('orders.yaml', file(route('orders', '/orders')));
    const bare = new RouteTable({ connectors: SPEC_CONNECTORS, dir, env: {}, egress: new Map([['http', new CaptureEgress('http')]]), ingress: new Map() });
    const report = await bare.reload();
    expect(report.ok).toBe(false);
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0]).toContain(join(dir, 'orders.yaml'));
    expect(report.problems[0]).toMatch(/orders: no ingress for "http"$/);
    expect(bare.list()).toEqual([]);
  });

  it('drops the routes of a deleted file and unbinds them', async () => {
    write('orders.yaml', file(route('orders', '/orders')));
    write('stock.yaml', file(route('stock', '/stock')));
    await table.reload();
    unlinkSync(join(dir, 'stock.yaml'));
    expect(await table.reload()).toMatchObject({ ok: true, routes: 1 });
    expect(table.get('stock')).toBeUndefined();
    expect(ingress.bound.at(-1)).toEqual([{ routeId: 'orders', mode: 'async', baseDir: dir, config: { path: '/orders', method: 'POST' } }]);
  });

  it('binds an empty set when the last route is gone', async () => {
    write('orders.yaml', file(route('orders', '/orders')));
    await table.reload();
    unlinkSync(join(dir, 'orders.yaml'));
    expect(await table.reload()).toEqual({ ok: true, at: expect.any(Number), routes: 0, problems: [] });
    expect(ingress.bound.at(-1)).toEqual([]);
  });

  it('interpolates ${ENV} from the options', async () => {
    write('orders.yaml', file(route('orders', '/orders', '', '${CRM_URL}/orders')));
    const withEnv = new RouteTable({
      connectors: SPEC_CONNECTORS,
      dir,
      env: { CRM_URL: 'http://crm.invalid' },
      egress: new Map([['http', new CaptureEgress('http')]]),
      ingress: new Map([['http', ingress]]),
    });
    expect((await withEnv.reload()).ok).toBe(true);
    expect(withEnv.get('orders')?.targets.get('main')?.description).toBe('captured http://crm.invalid/orders');
  });
});
