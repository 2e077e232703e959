import type { Message } from '@junction/core';
import { runRoute } from '../run-route';
import { compileFixture, compileProblems, inputMessage } from '../testing/route-fixtures';
import type { AggregatePart } from './aggregate.step';

const to = [{ id: 'erp', http: { url: 'http://127.0.0.1:1/erp' } }];
const json = (v: unknown): AggregatePart => ({ headers: {}, contentType: 'application/json', body: Buffer.from(JSON.stringify(v)) });
const group = { size: null, firstAt: 1_000, lastAt: 2_000, expiresAt: 60_000 };

function aggregatorOf(step: Record<string, unknown>) {
  const { route } = compileFixture({ steps: [{ aggregate: step }], to });
  return { route, aggregator: route.aggregators.get('steps.0.aggregate')! };
}

describe('aggregate step', () => {
  it('holds the message under its correlation key and ends its flow', async () => {
    const { route } = aggregatorOf({ correlation: 'orderId', completion: { size: 2 } });
    const run = await runRoute(route, inputMessage({ orderId: 7 }, route.codec), async () => Promise.reject(new Error('no call')));
    expect(run.dispatches).toEqual([]);
    expect(run.held).toHaveLength(1);
    expect(run.held[0]).toMatchObject({ step: 'steps.0.aggregate', key: '7', partIndex: 0, size: 2 });
    expect((run.held[0].message as Message).hops.at(-1)).toMatchObject({ step: 'aggregate', note: 'held in group 7' });
  });

  it('refuses a message without a key', async () => {
    const { route } = aggregatorOf({ correlation: 'orderId', completion: { size: 2 } });
    await expect(runRoute(route, inputMessage({ other: 1 }, route.codec), async () => Promise.reject(new Error('x')))).rejects.toMatchObject({
      code: 'STEP_FAILED',
    });
  });

  it.each([
    ['size reached', { size: 2 }, [1, 2], 5_000, 'complete'],
    ['size not reached', { size: 3 }, [1, 2], 5_000, 'wait'],
    ['predicate true', { when: '$count($[last]) > 0' }, [{ last: false }, { last: true }], 5_000, 'complete'],
    ['predicate false', { when: '$size > 5' }, [1], 5_000, 'wait'],
    ['quiet period passed', { timeout: '1s', since: 'last' }, [1], 3_000, 'complete'],
    ['quiet period running', { timeout: '2s', since: 'last' }, [1], 3_000, 'wait'],
    ['interval since the first passed', { timeout: '1s' }, [1], 2_500, 'complete'],
    ['expired', { size: 3 }, [1], 60_000, 'expire'],
  ])('decides: %s', async (_, completion, parts, now, kind) => {
    const { aggregator } = aggregatorOf({ correlation: 'k', completion, timeout: '1m' });
    const size = (completion as { size?: number }).size ?? null;
    const decision = await aggregator.decide({ ...group, size }, parts.map(json), now);
    expect(decision.kind).toBe(kind);
  });

  it('waits until the earliest of its timeouts', async () => {
    const { aggregator } = aggregatorOf({ correlation: 'k', completion: { timeout: '5s', since: 'last' }, timeout: '1m' });
    expect(await aggregator.decide(group, [json(1)], 3_000)).toEqual({ kind: 'wait', at: 7_000 });
  });

  it('aggregates with JSONata, as XML under a root, as CSV with one header, or as a JSON array', async () => {
    const mapped = aggregatorOf({ correlation: 'k', completion: { size: 2 }, aggregate: '{ "lines": $.line, "n": $size }' }).aggregator;
    expect(JSON.parse((await mapped.aggregate([json({ line: 1 }), json({ line: 2 })])).bytes().toString())).toEqual({ lines: [1, 2], n: 2 });

    const xml = aggregatorOf({ correlation: 'k', completion: { size: 2 }, aggregate: { xml: { root: 'Batch' } } }).aggregator;
    const xmlPart = (t: string): AggregatePart => ({ headers: {}, contentType: 'application/xml', body: Buffer.from(`<?xml version="1.0"?>\n${t}`) });
    const batch = await xml.aggregate([xmlPart('<Order id="1"/>'), json({ Order: { '@id': '2' } })]);
    expect(batch.bytes().toString()).toMatch(/<Batch><Order id="1"\/><Order id="2"( \/|\/|><\/Order)>?<\/Batch>$/);

    const csv = aggregatorOf({ correlation: 'k', completion: { size: 2 }, aggregate: { csv: { header: true } } }).aggregator;
    const csvPart = (t: string): AggregatePart => ({ headers: {}, contentType: 'text/csv', body: Buffer.from(t) });
    const file = await csv.aggregate([csvPart('a,b\n1,2\n'), csvPart('a,b\n3,4')]);
    expect(file.bytes().toString()).toBe('a,b\n1,2\n3,4\n');
    expect(file.contentType).toContain('text/csv');

    const plain = aggregatorOf({ correlation: 'k', completion: { size: 2 } }).aggregator;
    expect((await plain.aggregate([json({ a: 1 }), json({ b: 2 })])).value()).toEqual([{ a: 1 }, { b: 2 }]);
  });

  it('resumes after the step: the aggregate runs through the rest of the flow', async () => {
    const { route } = compileFixture({ steps: [{ aggregate: { correlation: 'k', completion: { size: 2 } } }, { setHeaders: { 'x-done': 'yes' } }], to });
    const run = await runRoute(route, inputMessage([1, 2], route.codec), async () => Promise.reject(new Error('x')), 'steps.0.aggregate');
    expect(run.held).toEqual([]);
    expect(run.dispatches.map((d) => [d.target.id, d.message.headers['x-done']])).toEqual([['erp', 'yes']]);
  });

  it.each([
    ['a sync route', { mode: 'sync', steps: [{ aggregate: { correlation: 'k', completion: { size: 2 } } }], to }, /needs an async route/],
    ['a completion timeout past the group timeout', { steps: [{ aggregate: { correlation: 'k', completion: { timeout: '1h' }, timeout: '10m' } }], to }, /shorter than/],
    ['a bad expression', { steps: [{ aggregate: { correlation: 'k', completion: { when: '$$$(' } } }], to }, /JSONata/],
  ])('refuses %s at load', (_, raw, message) => {
    const result = compileProblems(raw);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.map((p) => p.message).join('\n')).toMatch(message);
  });
});
