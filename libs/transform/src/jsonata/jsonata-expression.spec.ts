import { ConfigError, StepError } from '@junction/core';
import { compileExpression, evaluatePredicate, jsonataBoolean } from './jsonata-expression';

describe('compileExpression', () => {
  it('evaluates over the input with bindings', async () => {
    const expr = compileExpression('{ "id": order.id, "total": $sum(order.lines.(qty * price)), "by": $user }');
    const input = { order: { id: 'A1', lines: [{ qty: 2, price: 1.5 }, { qty: 1, price: 4 }] } };
    await expect(expr.evaluate(input, { user: 'ann' })).resolves.toEqual({ id: 'A1', total: 7, by: 'ann' });
    expect(expr.source).toContain('order.id');
  });

  it('resolves undefined when nothing matches', async () => {
    await expect(compileExpression('missing.path').evaluate({ a: 1 })).resolves.toBeUndefined();
  });

  it('is parsed once and safe to evaluate concurrently with different inputs and bindings', async () => {
    const expr = compileExpression('$x & ":" & name');
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => expr.evaluate({ name: `n${i}` }, { x: `b${i}` })),
    );
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => `b${i}:n${i}`));
  });

  it('reads the XML convention naturally', async () => {
    const expr = compileExpression('`soap:Envelope`.`soap:Body`.Order.`@id`');
    const doc = { 'soap:Envelope': { 'soap:Body': { Order: { '@id': '7' } } } };
    await expect(expr.evaluate(doc)).resolves.toBe('7');
  });

  it.each([
    ['an unclosed call', '$sum(', /position 5/],
    ['a dangling operator', 'a +', /position 3/],
    ['an unknown token', 'a ! b', /position 3/],
  ])('refuses %s as a ConfigError naming the position', (_case, source, position) => {
    let error: unknown;
    try {
      compileExpression(source);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const e = error as ConfigError;
    expect(e.message).toMatch(/^JSONata syntax error at position \d+ \(S\d{4}\): /);
    expect(e.message).toMatch(position);
    expect(e.message).toContain(source);
    expect(e.problems).toHaveLength(1);
  });

  it('turns a runtime error into a StepError with JSONata code and position', async () => {
    const expr = compileExpression('$number(value)', { step: 'map' });
    const error = await expr.evaluate({ value: 'abc' }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(StepError);
    const e = error as StepError;
    expect(e.code).toBe('STEP_FAILED');
    expect(e.step).toBe('map');
    expect(e.retriable).toBe(false);
    expect(e.message).toMatch(/^map: JSONata evaluation failed at position \d+ \(D3030\): Unable to cast value to a number/);
  });

  it('defaults the step name', async () => {
    const error = await compileExpression('$error("boom")').evaluate({}).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(StepError);
    expect((error as StepError).message).toMatch(/^expression: .*boom/);
  });

  it('stops non-terminating recursion with a StepError instead of exhausting memory', async () => {
    const expr = compileExpression('($f := function($n){ $f($n + 1) + 1 }; $f(0))', { maxDepth: 200 });
    const start = performance.now();
    const error = await expr.evaluate({}).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(StepError);
    expect((error as StepError).message).toMatch(/\(D1011\): Stack overflow/);
    // Stopped, not run on: seconds at most even on a loaded machine (an unbounded run would never end).
    expect(performance.now() - start).toBeLessThan(10_000);
  });

  it('stops an endless loop at its time budget (tail calls do not deepen the stack)', async () => {
    const expr = compileExpression('($f := function($n){ $f($n + 1) }; $f(0))', { timeoutMs: 100 });
    const start = performance.now();
    const error = await expr.evaluate({}).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(StepError);
    expect((error as StepError).message).toMatch(/\(D1012\): Evaluation timeout after 100 milliseconds/);
    // Stopped, not run on: seconds at most even on a loaded machine (an unbounded run would never end).
    expect(performance.now() - start).toBeLessThan(10_000);
  });
});

describe('evaluatePredicate and jsonataBoolean', () => {
  it.each<[unknown, boolean]>([
    [true, true],
    [false, false],
    ['x', true],
    ['', false],
    [1, true],
    [0, false],
    [null, false],
    [undefined, false],
    [{ a: 1 }, true],
    [{}, false],
    [[], false],
    [[0, ''], false],
    [[0, 'x'], true],
    [[[false], [true]], true],
  ])('casts %j to %s', (value, expected) => {
    expect(jsonataBoolean(value)).toBe(expected);
  });

  it('agrees with JSONata $boolean on the same values', async () => {
    const cast = compileExpression('$boolean(v)');
    for (const v of ['x', '', 1, 0, null, { a: 1 }, {}, [0, 'x'], [0, '']]) {
      expect(jsonataBoolean(v)).toBe(await cast.evaluate({ v }));
    }
  });

  it('treats a function result as false', async () => {
    expect(await evaluatePredicate(compileExpression('function($x){ $x }'), {})).toBe(false);
  });

  it('evaluates a predicate over a message', async () => {
    const isBig = compileExpression('total > $limit');
    await expect(evaluatePredicate(isBig, { total: 10 }, { limit: 5 })).resolves.toBe(true);
    await expect(evaluatePredicate(isBig, { total: 1 }, { limit: 5 })).resolves.toBe(false);
    await expect(evaluatePredicate(compileExpression('items[price > 100]'), { items: [{ price: 1 }] })).resolves.toBe(false);
  });
});

describe('readsInput: whether an expression needs the message body', () => {
  it.each([
    ["$headers.'x-route' = 'echo'", false],
    ['$exists($headers.x)', false],
    ["$headers.x & '-' & $messageId", false],
    ['$count($headers) > 2', false],
    ["'literal'", false],
    ['$headers.items[kind = "a"].id', false],
    ['order.symbol', true],
    ['$', true],
    ['$$.a', true],
    ['*.a', true],
    ['**.a', true],
    ["$headers.x = order.id", true],
    ['$headers.items[$$.order.id = id]', true],
    ['($x := a; $x)', true],
    ['$string(a)', true],
    ['function($v) { $v + 1 }(total)', true],
    ['[1, 2, b]', true],
  ])('%s reads the input: %s', (source, expected) => {
    expect(compileExpression(source).readsInput).toBe(expected);
  });
});
