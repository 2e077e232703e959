import { BytesBody } from '@junction/transform';
import { DeliveryError, InputError, Message, StoreError, silentLogger, type Ack, type Incoming, type IngressBinding, type MessageSink } from '@junction/core';
import { waitUntil } from '@junction/testing';
import { connectAsync, type IPublishPacket, type MqttClient } from 'mqtt';
import { createServer, connect as tcpConnect, type AddressInfo, type Server, type Socket } from 'node:net';
import { MqttSourceSchema, MqttTargetSchema, type MqttSourceDef } from './mqtt.config';
import { mqttConnector } from './mqtt.connector';
import { MqttEgress } from './mqtt.egress';
import { MqttIngress } from './mqtt.ingress';

/**
 * The MQTT connector against the real Mosquitto at 127.0.0.1:1883: acknowledgement after the bus took a message,
 * refusals acknowledged, order, persistent sessions, reconnection and its status, and publishing with properties.
 */
const BROKER = 'mqtt://127.0.0.1:1883';
const suffix = () => `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
/** A topic no other test uses. */
const unique = (what: string) => `junction-it/${what}-${suffix()}`;
/** Client ids given out, whose persistent sessions the suite ends at the broker when it is done. */
const sessions: string[] = [];
/** A client id no other test uses (so no session is shared between tests or runs). */
const clientIdFor = (what: string) => {
  const id = `junction-it-${what}-${suffix()}`;
  sessions.push(id);
  return id;
};

/** Ends a persistent session at the broker: a clean start with no expiry, then a disconnect. */
async function forget(clientId: string): Promise<void> {
  const c = await connectAsync(BROKER, { protocolVersion: 5, clientId, clean: true, reconnectPeriod: 0 }, false);
  await c.endAsync();
}

/** A test client on the broker; fails the suite clearly when Mosquitto is not there. */
async function client(url = BROKER): Promise<MqttClient> {
  try {
    return await connectAsync(url, { protocolVersion: 5, connectTimeout: 5_000, reconnectPeriod: 0 }, false);
  } catch (err) {
    throw new Error(`Mosquitto at 127.0.0.1:1883 is needed for the MQTT connector spec (start it: mosquitto -d -c /etc/mosquitto/mosquitto.conf): ${(err as Error).message}`);
  }
}

/** A sink that records what it took; `decide` may refuse (throw) or hold a message. */
function recordingSink(decide: (incoming: Incoming, n: number) => Promise<void> | void = () => undefined) {
  const taken: Incoming[] = [];
  let n = 0;
  const sink: MessageSink = {
    async dispatch(_routeId: string, incoming: Incoming): Promise<Ack> {
      await decide(incoming, ++n);
      taken.push(incoming);
      return { kind: 'accepted', messageId: `m-${n}` };
    },
  };
  return { sink, taken, bodies: () => taken.map((i) => i.body.toString()) };
}

function binding(routeId: string, source: Record<string, unknown>): IngressBinding<MqttSourceDef> {
  return { routeId, mode: 'async', baseDir: '.', config: MqttSourceSchema.parse(source) };
}

/** An ingress bound to one route, its consumer open (status connected). */
async function openIngress(sink: MessageSink, b: IngressBinding<MqttSourceDef>, url = BROKER): Promise<MqttIngress> {
  const ingress = new MqttIngress(url, silentLogger);
  await ingress.start(sink);
  await ingress.prepare([b]);
  ingress.bind([b]);
  ingress.listen();
  await waitUntil(async () => (await ingress.status())[0]?.state === 'connected', 15_000, `route ${b.routeId} connected`);
  return ingress;
}

async function publish(pub: MqttClient, topic: string, bodies: string[]): Promise<void> {
  for (const body of bodies) await pub.publishAsync(topic, body, { qos: 1 });
}

describe('MQTT connector on Mosquitto', () => {
  let pub: MqttClient;
  const open: Array<{ close(): Promise<unknown> }> = [];

  beforeAll(async () => {
    pub = await client();
  });
  afterEach(async () => {
    for (const o of open.splice(0)) await o.close();
  });
  afterAll(async () => {
    await pub?.endAsync();
    for (const id of sessions.splice(0)) await forget(id);
  });

  test('hands messages over in order and acknowledges each once taken', async () => {
    const topic = unique('order');
    const { sink, bodies } = recordingSink();
    const ingress = await openIngress(sink, binding('it-order', { url: BROKER, topics: topic, clientId: clientIdFor('c') }));
    open.push(ingress);
    const sent = Array.from({ length: 100 }, (_, i) => `{"n":${i}}`);
    await publish(pub, topic, sent);
    await waitUntil(() => bodies().length === sent.length, 20_000, 'all 100 taken');
    expect(bodies()).toEqual(sent);
  });

  test.each([4, 5] as const)('a message the bus has not taken stays unacknowledged and comes back to the next session (protocol %i)', async (protocolVersion) => {
    const topic = unique('unacked');
    const clientId = clientIdFor('c');
    // The store is down for the first message: the ingress keeps trying, then is closed with the message in hand.
    const outage = recordingSink(() => {
      throw new StoreError('store down');
    });
    const first = await openIngress(outage.sink, binding('it-unacked', { url: BROKER, topics: topic, clientId, protocolVersion }));
    await publish(pub, topic, ['kept']);
    await new Promise((r) => setTimeout(r, 500));
    await first.close(200);
    expect(outage.taken).toHaveLength(0);

    const { sink, bodies, taken } = recordingSink();
    const second = await openIngress(sink, binding('it-unacked', { url: BROKER, topics: topic, clientId, protocolVersion }));
    open.push(second);
    await waitUntil(() => bodies().includes('kept'), 15_000, 'the redelivered message');
    expect(taken[0].headers).toMatchObject({ 'mqtt-topic': topic, 'mqtt-qos': '1', 'mqtt-retain': 'false' });
  });

  test('a refused message is acknowledged: the session moves on and does not get it again', async () => {
    const topic = unique('refused');
    const clientId = clientIdFor('c');
    const first = recordingSink((i) => {
      if (i.body.toString() === 'poison') throw new InputError('BAD', 'bad input');
    });
    const ingress = await openIngress(first.sink, binding('it-refused', { url: BROKER, topics: topic, clientId }));
    await publish(pub, topic, ['poison', 'after']);
    await waitUntil(() => first.bodies().includes('after'), 15_000, 'the message behind the refused one');
    await ingress.close();
    // A new session with the same id: the refused message was acknowledged, so it is not redelivered.
    const second = recordingSink();
    open.push(await openIngress(second.sink, binding('it-refused', { url: BROKER, topics: topic, clientId })));
    await publish(pub, topic, ['later']);
    await waitUntil(() => second.bodies().includes('later'), 15_000, 'a later message');
    expect(second.bodies()).toEqual(['later']);
  });

  test.each([4, 5] as const)('QoS 1 messages published while the route is closed arrive when it opens again (protocol %i)', async (protocolVersion) => {
    const topic = unique('offline');
    const clientId = clientIdFor('c');
    const b = binding('it-offline', { url: BROKER, topics: [`${topic}/+`], clientId, protocolVersion });
    await (await openIngress(recordingSink().sink, b)).close();
    const sent = Array.from({ length: 30 }, (_, i) => `m${i}`);
    await publish(pub, `${topic}/a`, sent);
    const { sink, bodies } = recordingSink();
    open.push(await openIngress(sink, b));
    await waitUntil(() => bodies().length === sent.length, 15_000, 'the 30 messages kept by the broker');
    expect(bodies()).toEqual(sent);
  });

  test('after a restart with other topics, messages on a subscription the session kept are skipped', async () => {
    const [before, after] = [unique('before'), unique('after')];
    const clientId = clientIdFor('c');
    await (await openIngress(recordingSink().sink, binding('it-moved', { topics: before, clientId }))).close();
    const { sink, bodies } = recordingSink();
    open.push(await openIngress(sink, binding('it-moved', { topics: after, clientId })));
    await publish(pub, before, ['stale']);
    await publish(pub, after, ['wanted']);
    await waitUntil(() => bodies().includes('wanted'), 15_000, 'the message on the current topic');
    expect(bodies()).toEqual(['wanted']);
  });

  test('reports reconnecting while mqtt.js reconnects, then connected, and loses nothing', async () => {
    const topic = unique('reconnect');
    const proxy = await tcpProxy(1883);
    const { sink, bodies } = recordingSink();
    const ingress = await openIngress(sink, binding('it-reconnect', { topics: topic, clientId: clientIdFor('c') }), proxy.url);
    open.push(ingress, proxy);
    const [up] = await ingress.status();
    expect(up).toMatchObject({ routeId: 'it-reconnect', state: 'connected', detail: { topics: [topic], clientId: expect.stringMatching(/^junction-it-c-/) } });
    proxy.cut(true);
    await waitUntil(async () => (await ingress.status())[0].state === 'reconnecting', 10_000, 'state reconnecting');
    await publish(pub, topic, ['while-away']);
    proxy.cut(false);
    await waitUntil(async () => (await ingress.status())[0].state === 'connected', 15_000, 'state connected again');
    await waitUntil(() => bodies().includes('while-away'), 15_000, 'the message published while away');
  });

  test('never shows credentials: not in logs, not in the status of a source that cannot connect', async () => {
    const lines: string[] = [];
    const capture = (obj: object, msg?: string) => void lines.push(`${msg ?? ''} ${JSON.stringify(obj)}`);
    const ingress = new MqttIngress('mqtt://127.0.0.1:1883', { debug: capture, info: capture, warn: capture, error: capture });
    open.push(ingress);
    const b = binding('it-secret', { url: 'mqtt://bus:url-secret@127.0.0.1:1', username: 'bus', password: 'field-secret', topics: 'x' });
    await ingress.start(recordingSink().sink);
    await ingress.prepare([b]);
    ingress.bind([b]);
    ingress.listen();
    await waitUntil(async () => (await ingress.status())[0]?.error !== undefined, 10_000, 'the connection error in the status');
    const [status] = await ingress.status();
    expect(status).toMatchObject({ routeId: 'it-secret', state: 'connecting', error: expect.stringMatching(/ECONNREFUSED/) });
    const shown = JSON.stringify(status) + lines.join('\n');
    expect(lines.length).toBeGreaterThan(0);
    expect(shown).not.toMatch(/url-secret|field-secret/);
  });

  test('refuses two routes with one session when they load', async () => {
    const ingress = new MqttIngress(BROKER, silentLogger);
    const a = binding('a', { topics: 'x/1', clientId: 'shared' });
    const b = binding('b', { topics: 'x/2', clientId: 'shared' });
    await expect(ingress.prepare([a, b])).rejects.toThrow(/route b: MQTT session "mqtt:\/\/127\.0\.0\.1:1883 shared" is already route a's/);
    expect(mqttConnector.sourceKeys!(a.config)).toEqual(['mqtt MQTT_URL shared']);
    expect(mqttConnector.sourceKeys!(MqttSourceSchema.parse({ url: 'mqtt://u:secret@h:1883', topics: 'x', clientId: 'c' }))).toEqual(['mqtt mqtt://h:1883 c']);
  });

  test('publishes with the topic from an expression, QoS 1, and MQTT 5 properties', async () => {
    const base = unique('egress');
    const sub = await client();
    const got: IPublishPacket[] = [];
    sub.on('message', (_t, _p, packet) => got.push(packet));
    await sub.subscribeAsync(`${base}/#`, { qos: 1 });
    const egress = new MqttEgress(BROKER);
    open.push(egress, { close: () => sub.endAsync() });
    const endpoint = egress.endpoint(MqttTargetSchema.parse({ topicExpr: `'${base}/' & device`, properties: { source: 'bus' } }));
    const message = new Message('m-1', 'corr-1', { kind: 'http', address: '/x' }, { 'x-site': 'north' }, new BytesBody(Buffer.from('{"device":"d7"}'), 'application/json'), Date.now());
    const reply = await endpoint.send(message);
    expect(reply.headers['mqtt-topic']).toBe(`${base}/d7`);
    await waitUntil(() => got.length === 1, 10_000, 'the published message');
    expect(got[0].topic).toBe(`${base}/d7`);
    expect(got[0].payload.toString()).toBe('{"device":"d7"}');
    expect(got[0].properties).toMatchObject({
      contentType: 'application/json',
      correlationData: Buffer.from('corr-1'),
      userProperties: { 'x-site': 'north', source: 'bus', 'x-message-id': 'm-1', 'x-correlation-id': 'corr-1' },
    });
  });

  test('a topic expression that gives a wildcard fails for good; an unreachable broker fails retriably', async () => {
    const egress = new MqttEgress(BROKER);
    open.push(egress);
    const message = new Message('m-2', 'c-2', { kind: 'http', address: '/x' }, {}, new BytesBody(Buffer.from('{"device":"+"}'), 'application/json'), Date.now());
    const bad = egress.endpoint(MqttTargetSchema.parse({ topicExpr: `'a/' & device` }));
    await expect(bad.send(message)).rejects.toMatchObject({ code: 'MQTT_BAD_TOPIC', retriable: false });
    const nowhere = egress.endpoint(MqttTargetSchema.parse({ url: 'mqtt://127.0.0.1:1', topic: 'a/b', timeoutMs: 1_500 }));
    const err = await nowhere.send(message).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err).toMatchObject({ code: 'MQTT_TIMEOUT', retriable: true, message: expect.stringMatching(/not reachable/) });
  });
});

/** A TCP proxy to the broker whose connections a test can cut (and refuse) to simulate a network failure. */
async function tcpProxy(port: number): Promise<{ url: string; cut(down: boolean): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let down = false;
  const server: Server = createServer((inbound) => {
    if (down) return void inbound.destroy();
    const outbound = tcpConnect(port, '127.0.0.1');
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('error', () => undefined).on('close', () => sockets.delete(s));
    }
    inbound.pipe(outbound).pipe(inbound);
    inbound.on('close', () => outbound.destroy());
    outbound.on('close', () => inbound.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`,
    cut(value) {
      down = value;
      if (value) for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
