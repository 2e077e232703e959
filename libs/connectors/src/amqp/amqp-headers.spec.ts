import { amqpMessageHeaders, publishOptions } from './amqp-headers';

const fields = { exchange: 'orders', routingKey: 'order.created', redelivered: false };

describe('amqpMessageHeaders', () => {
  it('maps properties and delivery fields to lower-case message headers', () => {
    const headers = amqpMessageHeaders(fields, {
      contentType: 'application/json',
      correlationId: 'c-1',
      messageId: 'm-1',
      type: 'OrderCreated',
      timestamp: 1_700_000_000,
      appId: 'shop',
      replyTo: 'replies',
      headers: { 'X-Tenant': 'acme' },
    });
    expect(headers).toEqual({
      'x-tenant': 'acme',
      'content-type': 'application/json',
      'x-correlation-id': 'c-1',
      'amqp-message-id': 'm-1',
      'amqp-type': 'OrderCreated',
      'amqp-timestamp': '1700000000',
      'amqp-app-id': 'shop',
      'amqp-reply-to': 'replies',
      'amqp-exchange': 'orders',
      'amqp-routing-key': 'order.created',
      'amqp-redelivered': 'false',
    });
  });

  it('writes numbers, booleans, buffers and tables as text; drops absent values', () => {
    const headers = amqpMessageHeaders(
      { ...fields, redelivered: true },
      {
        headers: {
          n: 3,
          ok: true,
          raw: Buffer.from('bytes'),
          'x-death': [{ count: 1, reason: 'rejected', queue: 'q', exchange: '', 'routing-keys': ['q'], time: { '!': 'timestamp', value: 1 } }],
          none: undefined,
          nil: null,
        },
      },
    );
    expect(headers).toMatchObject({
      n: '3',
      ok: 'true',
      raw: 'bytes',
      'x-death': '[{"count":1,"reason":"rejected","queue":"q","exchange":"","routing-keys":["q"],"time":{"!":"timestamp","value":1}}]',
      'amqp-redelivered': 'true',
    });
    expect(headers).not.toHaveProperty('none');
    expect(headers).not.toHaveProperty('nil');
    expect(headers).not.toHaveProperty('content-type');
  });

  it('keeps the fields and properties over application headers of the same name', () => {
    const headers = amqpMessageHeaders(fields, { correlationId: 'real', headers: { 'amqp-routing-key': 'forged', 'x-correlation-id': 'forged' } });
    expect(headers['amqp-routing-key']).toBe('order.created');
    expect(headers['x-correlation-id']).toBe('real');
  });

  it('keeps an x-correlation-id application header when there is no correlationId property', () => {
    expect(amqpMessageHeaders(fields, { headers: { 'x-correlation-id': 'from-header' } })['x-correlation-id']).toBe('from-header');
  });

  it('drops names that could not be forwarded, credentials and hop headers, and line breaks in values', () => {
    const headers = amqpMessageHeaders(fields, { headers: { 'bad name': 'x', authorization: 'Bearer t', host: 'h', note: 'a\r\nb' } });
    expect(Object.keys(headers)).not.toEqual(expect.arrayContaining(['bad name']));
    expect(headers).not.toHaveProperty('authorization');
    expect(headers).not.toHaveProperty('host');
    expect(headers.note).toBe('a b');
  });
});

describe('publishOptions', () => {
  const message = {
    id: 'msg-1',
    correlationId: 'corr-1',
    contentType: 'application/json',
    headers: { 'x-tenant': 'acme', authorization: 'Bearer t', 'amqp-routing-key': 'in', 'x-death': '[]', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
  };

  it('carries the ids, the content type, persistence, mandatory and a timestamp in seconds', () => {
    const options = publishOptions(message, { headers: {}, persistent: true, mandatory: true }, 1_700_000_000_500);
    expect(options).toMatchObject({
      contentType: 'application/json',
      messageId: 'msg-1',
      correlationId: 'corr-1',
      timestamp: 1_700_000_000,
      appId: 'junction',
      persistent: true,
      mandatory: true,
    });
  });

  it('forwards message headers with trace headers and the fixed ones; not credentials nor the source hop', () => {
    const { headers } = publishOptions(message, { headers: { 'x-source': 'junction', 'x-tenant': 'fixed' }, persistent: false, mandatory: false });
    expect(headers).toMatchObject({ 'x-tenant': 'fixed', 'x-source': 'junction', 'x-message-id': 'msg-1', 'x-correlation-id': 'corr-1' });
    expect(headers.traceparent).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
    expect(headers.traceparent).not.toBe(message.headers.traceparent);
    expect(headers).not.toHaveProperty('authorization');
    expect(headers).not.toHaveProperty('amqp-routing-key');
    expect(headers).not.toHaveProperty('x-death');
  });
});
