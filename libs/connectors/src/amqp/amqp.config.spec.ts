import { AmqpSourceSchema, AmqpTargetSchema, amqpSourceKey, checkAmqpSource, checkAmqpTarget } from './amqp.config';

describe('AmqpSourceSchema', () => {
  it('applies the defaults: no declare (passive), prefetch 100, the url left to AMQP_URL', () => {
    expect(AmqpSourceSchema.parse({ queue: 'orders' })).toEqual({ queue: 'orders', declare: undefined, prefetch: 100 });
  });

  it('reads declare as true or as its arguments and bindings', () => {
    expect(AmqpSourceSchema.parse({ queue: 'q', declare: true }).declare).toEqual({ bindings: [] });
    expect(AmqpSourceSchema.parse({ queue: 'q', declare: false }).declare).toBeUndefined();
    const parsed = AmqpSourceSchema.parse({
      queue: 'q',
      declare: { deadLetterExchange: 'dlx', bindings: [{ exchange: 'orders' }, { exchange: 'events', routingKey: 'order.*' }] },
    });
    expect(parsed.declare).toEqual({
      deadLetterExchange: 'dlx',
      bindings: [
        { exchange: 'orders', routingKey: '' },
        { exchange: 'events', routingKey: 'order.*' },
      ],
    });
  });

  it.each([
    [{ queue: '' }, 'queue'],
    [{ queue: 'q', url: 'http://rabbit' }, 'url'],
    [{ queue: 'q', prefetch: 0 }, 'prefetch'],
    [{ queue: 'q', declare: { bindings: [{ exchange: '' }] } }, 'declare'],
    [{ queue: 'q', durable: true }, ''],
  ])('rejects %j (at %s)', (input, path) => {
    const result = AmqpSourceSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => String(i.path[0] ?? ''))).toContain(path);
  });
});

describe('AmqpTargetSchema', () => {
  it('applies the defaults: default exchange, persistent, mandatory, 10 s for the confirm', () => {
    expect(AmqpTargetSchema.parse({ routingKey: 'orders' })).toEqual({
      exchange: '',
      routingKey: 'orders',
      headers: {},
      persistent: true,
      mandatory: true,
      timeoutMs: 10_000,
    });
  });

  it('takes a routing key or a routing key expression, not both', () => {
    expect(AmqpTargetSchema.safeParse({ exchange: 'x', routingKeyExpr: 'type' }).success).toBe(true);
    expect(AmqpTargetSchema.safeParse({ exchange: 'x', routingKey: 'a', routingKeyExpr: 'type' }).success).toBe(false);
  });
});

describe('amqpSourceKey', () => {
  it('names the broker without credentials, and the queue', () => {
    expect(amqpSourceKey({ url: 'amqp://app:secret@Rabbit:5672/prod', queue: 'orders' })).toBe('amqp amqp://rabbit:5672/prod orders');
  });

  it('stands for the AMQP_URL setting when the source has no url, and takes a config as written', () => {
    expect(amqpSourceKey({ queue: 'orders' })).toBe('amqp AMQP_URL orders');
    expect(amqpSourceKey({ url: '${RABBIT_URL}', queue: 'orders' })).toBe('amqp ${RABBIT_URL} orders');
  });

  it('gives one key for two spellings of one broker and queue', () => {
    expect(amqpSourceKey({ url: 'amqp://a:b@rabbit/', queue: 'q' })).toBe(amqpSourceKey({ url: 'amqp://rabbit:5672', queue: 'q' }));
  });
});

describe('checkAmqpSource', () => {
  const source = (v: object) => AmqpSourceSchema.parse({ queue: 'orders', ...v });

  it('passes a declared queue with a dead-letter exchange and bindings', () => {
    expect(checkAmqpSource(source({ declare: { deadLetterExchange: 'dlx', deadLetterRoutingKey: 'orders', bindings: [{ exchange: 'in', routingKey: '#' }] } }))).toEqual([]);
  });

  it('finds duplicate bindings, a dead-letter routing key without exchange, a reserved queue name', () => {
    expect(checkAmqpSource(source({ declare: { bindings: [{ exchange: 'in', routingKey: 'a' }, { exchange: 'in', routingKey: 'a' }] } }))).toEqual([
      { path: ['declare', 'bindings', 1], message: 'binding to in with "a" given twice' },
    ]);
    expect(checkAmqpSource(source({ declare: { deadLetterRoutingKey: 'x' } }))).toEqual([
      { path: ['declare', 'deadLetterRoutingKey'], message: 'expected with deadLetterExchange' },
    ]);
    expect(checkAmqpSource(source({ queue: 'amq.mine', declare: true })).map((p) => p.path)).toEqual([['queue']]);
  });

  it('counts names in bytes, as AMQP does', () => {
    expect(checkAmqpSource(source({ queue: 'é'.repeat(200) })).map((p) => p.path)).toEqual([['queue']]);
  });
});

describe('checkAmqpTarget', () => {
  it('compiles the routing key expression', () => {
    expect(checkAmqpTarget(AmqpTargetSchema.parse({ exchange: 'x', routingKeyExpr: '"order." & type' }))).toEqual([]);
    const problems = checkAmqpTarget(AmqpTargetSchema.parse({ exchange: 'x', routingKeyExpr: '"order." &' }));
    expect(problems).toEqual([{ path: ['routingKeyExpr'], message: expect.stringContaining('JSONata syntax error') }]);
  });
});
