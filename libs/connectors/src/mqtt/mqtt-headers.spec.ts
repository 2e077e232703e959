import { incomingFromPublish, outgoingUserProperties, type ReceivedPublish } from './mqtt-headers';

const publish = (over: Partial<ReceivedPublish> = {}): ReceivedPublish => ({
  topic: 'devices/d1/telemetry',
  qos: 1,
  retain: false,
  payload: Buffer.from('{"t":21.5}'),
  ...over,
});

describe('incomingFromPublish', () => {
  it('gives the topic, QoS and retain flag as headers and the topic as the source address', () => {
    const incoming = incomingFromPublish(publish({ qos: 0, retain: true }));
    expect(incoming.source).toEqual({ kind: 'mqtt', address: 'devices/d1/telemetry' });
    expect(incoming.headers).toEqual({ 'mqtt-topic': 'devices/d1/telemetry', 'mqtt-qos': '0', 'mqtt-retain': 'true' });
    expect(incoming.body.toString()).toBe('{"t":21.5}');
  });

  it('turns MQTT 5 user properties into lower-case headers, repeated ones joined', () => {
    const incoming = incomingFromPublish(
      publish({ properties: { userProperties: { Site: 'north', 'x-unit': ['celsius', 'kelvin'], site: 'south' } } }),
    );
    expect(incoming.headers).toMatchObject({ site: 'north, south', 'x-unit': 'celsius, kelvin' });
  });

  it.each([
    ['a name that is not a header name', { 'device id': 'd1' }],
    ['a value with a line break', { note: 'a\r\nInjected: yes' }],
    ['a credential header', { authorization: 'Bearer t' }],
    ['a hop-by-hop header', { 'content-length': '3' }],
  ])('leaves out %s', (_what, userProperties) => {
    const incoming = incomingFromPublish(publish({ properties: { userProperties } }));
    expect(Object.keys(incoming.headers).sort()).toEqual(['mqtt-qos', 'mqtt-retain', 'mqtt-topic']);
  });

  it('does not let a user property override the mqtt-* headers', () => {
    const incoming = incomingFromPublish(publish({ properties: { userProperties: { 'mqtt-topic': 'forged' } } }));
    expect(incoming.headers['mqtt-topic']).toBe('devices/d1/telemetry');
  });

  it('takes x-correlation-id from the correlation data: text as it is, bytes as hex', () => {
    const text = incomingFromPublish(publish({ properties: { correlationData: Buffer.from('order-42'), userProperties: { 'x-correlation-id': 'other' } } }));
    expect(text.headers['x-correlation-id']).toBe('order-42');
    const bytes = incomingFromPublish(publish({ properties: { correlationData: Buffer.from([0x00, 0xff, 0x10]) } }));
    expect(bytes.headers['x-correlation-id']).toBe('00ff10');
  });

  it('takes the content type from the MQTT 5 property, else guesses it from the payload', () => {
    expect(incomingFromPublish(publish({ properties: { contentType: 'application/vnd.acme+json' } })).contentType).toBe('application/vnd.acme+json');
    expect(incomingFromPublish(publish()).contentType).toBe('application/json');
    expect(incomingFromPublish(publish({ payload: Buffer.from('<r/>') })).contentType).toBe('application/xml');
    expect(incomingFromPublish(publish({ payload: Buffer.from('21.5') })).contentType).toBe('text/plain; charset=utf-8');
  });

  it('takes a string payload as UTF-8 bytes', () => {
    expect(incomingFromPublish(publish({ payload: 'héllo' })).body).toEqual(Buffer.from('héllo', 'utf8'));
  });
});

describe('outgoingUserProperties', () => {
  const message = {
    id: 'm-1',
    correlationId: 'c-1',
    headers: { 'x-site': 'north', authorization: 'Bearer secret', 'content-type': 'application/json', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
  };

  it('carries the forwardable headers and the trace headers, never credentials', () => {
    const props = outgoingUserProperties(message, {});
    expect(props).toMatchObject({ 'x-site': 'north', 'x-message-id': 'm-1', 'x-correlation-id': 'c-1' });
    expect(props.traceparent).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
    expect(props.traceparent).not.toBe(message.headers.traceparent);
    expect(props).not.toHaveProperty('authorization');
    expect(props).not.toHaveProperty('content-type');
  });

  it('lets the target\'s own properties win', () => {
    expect(outgoingUserProperties(message, { 'x-site': 'south', source: 'bus' })).toMatchObject({ 'x-site': 'south', source: 'bus' });
  });
});
