import { startTargetServer, waitUntil, type TargetServer } from '@junction/testing';
import { getJson, post, startTestBus, type TestBus } from './support/test-bus';

const routes = (target: string) => `
routes:
  - id: agg-size
    from: { http: { path: /lines } }
    steps:
      - aggregate:
          correlation: orderId
          completion: { size: 3 }
          aggregate: '{ "orderId": $[0].orderId, "lines": $.line, "parts": $size }'
          timeout: 1m
      - setHeaders: { x-after: aggregated }
    to: [{ id: erp, http: { url: "${target}/erp", format: json } }]
  - id: agg-timeout
    from: { http: { path: /quiet } }
    steps:
      - aggregate:
          correlation: batch
          completion: { timeout: 800ms, since: last }
          timeout: 1m
    to: [{ id: sink, http: { url: "${target}/quiet" } }]
  - id: agg-expire
    from: { http: { path: /never } }
    steps:
      - aggregate:
          correlation: batch
          completion: { size: 10 }
          timeout: 1s
    to: [{ id: never, http: { url: "${target}/never" } }]
  - id: agg-when
    from: { http: { path: /until } }
    steps:
      - aggregate:
          correlation: k
          completion: { when: '$count($[last = true]) > 0' }
          aggregate: '$count($)'
    to: [{ id: until, http: { url: "${target}/until" } }]
  - id: agg-split
    from: { http: { path: /batch } }
    xml: { arrays: [Batch.Item] }
    steps:
      - split:
          path: Batch.Item
          steps:
            - aggregate:
                correlation: $headers.'x-parent-message-id'
                completion: { split: true }
                aggregate: { xml: { root: Items } }
    to: [{ id: xml, http: { url: "${target}/xml", format: asis } }]
  - id: agg-csv
    from: { http: { path: /csv } }
    steps:
      - map: '"sku,qty\\n" & sku & "," & $string(qty) & "\\n"'
      - aggregate:
          correlation: $headers.'x-file'
          completion: { size: 2 }
          aggregate: { csv: { header: true } }
    to: [{ id: csv, http: { url: "${target}/csv" } }]
`;

describe('Aggregator (in-process bus on SQLite)', () => {
  let target: TargetServer;
  let bus: TestBus;

  beforeAll(async () => {
    target = await startTargetServer();
    bus = await startTestBus({ routes: { 'agg.yaml': routes(target.url) }, env: { LEASE_MS: '5000' } });
  });
  afterAll(async () => {
    await bus?.destroy();
    await target?.close();
  });

  test('completion by size: three lines of two orders, interleaved, become one document per order', async () => {
    const sent: string[] = [];
    for (const [orderId, line] of [['A', 1], ['B', 1], ['A', 2], ['B', 2], ['A', 3], ['B', 3]] as const) {
      const r = await post(`${bus.url}/lines`, { orderId, line });
      expect(r.status).toBe(202);
      sent.push(r.json.messageId);
    }
    const got = await target.waitFor(2, 20_000, '/erp');
    const byOrder = Object.fromEntries(got.map((r) => [(r.json as any).orderId, r]));
    expect(byOrder.A.json).toEqual({ orderId: 'A', lines: [1, 2, 3], parts: 3 });
    expect(byOrder.B.json).toEqual({ orderId: 'B', lines: [1, 2, 3], parts: 3 });
    expect(byOrder.A.headers['x-after']).toBe('aggregated');
    expect(byOrder.A.headers['x-aggregate-parts']).toBe('3');
    // A part's journal says where it went; the aggregate's names its parts.
    const part = await getJson(`${bus.url}/admin/messages/${sent[0]}`);
    await waitUntil(async () => (await getJson(`${bus.url}/admin/messages/${sent[0]}`)).status === 'aggregated', 10_000, 'part aggregated');
    const aggregateId = byOrder.A.headers['x-message-id'];
    const aggregate = await getJson(`${bus.url}/admin/messages/${aggregateId}`);
    expect(aggregate).toMatchObject({ routeId: 'agg-size', sourceKind: 'aggregate', businessKey: 'A' });
    expect(aggregate.hops.find((h: any) => h.step === 'parts').note).toContain(sent[0]);
    expect(part.hops.some((h: any) => h.step === 'aggregate')).toBe(true);
    const after = await getJson(`${bus.url}/admin/messages/${sent[0]}`);
    expect(after.hops.at(-1)).toMatchObject({ step: 'aggregated', note: `into ${aggregateId}` });
    process.stdout.write(`aggregator size: 6 parts -> ${got.length} aggregates\n`);
  });

  test('completion by timeout since the last part: what came in goes on as one message', async () => {
    for (let i = 0; i < 4; i++) expect((await post(`${bus.url}/quiet`, { batch: 'q1', i })).status).toBe(202);
    const held = await getJson(`${bus.url}/admin/aggregations?route=agg-timeout`);
    expect(held.groups.length + target.count('/quiet')).toBeGreaterThanOrEqual(1);
    const [got] = await target.waitFor(1, 20_000, '/quiet');
    expect(got.json).toEqual([0, 1, 2, 3].map((i) => ({ batch: 'q1', i })));
    process.stdout.write(`aggregator timeout: 4 parts -> 1 aggregate after the quiet period\n`);
  });

  test('a group that never completes is dead-lettered with its parts after its timeout, and the admin API shows it held before', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) ids.push((await post(`${bus.url}/never`, { batch: 'n1', i })).json.messageId);
    await waitUntil(async () => (await getJson(`${bus.url}/admin/messages/${ids[1]}`)).status !== 'received', 5_000, 'held');
    await waitUntil(async () => (await getJson(`${bus.url}/admin/messages/${ids[0]}`)).status === 'dead', 20_000, 'expired');
    for (const id of ids) {
      const m = await getJson(`${bus.url}/admin/messages/${id}`);
      expect(m.status).toBe('dead');
      expect(m.failure.code).toBe('AGGREGATION_TIMEOUT');
      expect(m.deadLetters).toHaveLength(1);
    }
    expect(target.count('/never')).toBe(0);
    expect((await getJson(`${bus.url}/admin/aggregations?route=agg-expire`)).groups).toEqual([]);
  });

  test('completion by predicate, split parts put back together as XML, CSV files concatenated', async () => {
    await post(`${bus.url}/until`, { k: 'u', last: false });
    await post(`${bus.url}/until`, { k: 'u', last: false });
    await post(`${bus.url}/until`, { k: 'u', last: true });
    const [until] = await target.waitFor(1, 20_000, '/until');
    expect(until.body).toBe('3');

    const batch = '<Batch><Item><Sku>A</Sku></Item><Item><Sku>B</Sku></Item><Item><Sku>C</Sku></Item></Batch>';
    expect((await post(`${bus.url}/batch`, batch)).status).toBe(202);
    const [xml] = await target.waitFor(1, 20_000, '/xml');
    expect(xml.body).toContain('<Items><Item><Sku>A</Sku></Item><Item><Sku>B</Sku></Item><Item><Sku>C</Sku></Item></Items>');

    // The HTTP source takes JSON and XML: each part is mapped to a CSV text (header and line) before it is held.
    expect((await post(`${bus.url}/csv`, { sku: 'A', qty: 1 }, { 'x-file': 'f1' })).status).toBe(202);
    expect((await post(`${bus.url}/csv`, { sku: 'B', qty: 2 }, { 'x-file': 'f1' })).status).toBe(202);
    const [csv] = await target.waitFor(1, 20_000, '/csv');
    expect(csv.body).toBe('sku,qty\nA,1\nB,2\n');
    expect(csv.headers['content-type']).toContain('text/csv');
  });
});
