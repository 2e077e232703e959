import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTargetServer, waitUntil, type CapturedRequest, type TargetServer } from '@junction/testing';
import type { MqttClient } from 'mqtt';
import { tally } from './support/kafka';
import { forgetMqttSession, MOSQUITTO_URL, mqttCollector, mqttTestClient, uniqueName } from './support/mqtt';
import { post, startTestBus, type TestBus } from './support/test-bus';

const ADMIN_TOKEN = 'mqtt-e2e-admin-token';

/**
 * The MQTT connector end to end: the real bus in this process, the machine's Mosquitto, a real HTTP target. Each test
 * counts what was produced and what the far side received, and prints produced/delivered/lost/duplicated.
 */
describe('MQTT end to end', () => {
  let target: TargetServer;
  let publisher: MqttClient;
  let dir: string;
  const buses: TestBus[] = [];
  /** Persistent sessions the tests leave at the broker, ended in afterAll. */
  const sessions: string[] = [];

  beforeAll(async () => {
    publisher = await mqttTestClient();
    target = await startTargetServer();
    dir = mkdtempSync(join(tmpdir(), 'junction-mqtt-'));
  });
  afterAll(async () => {
    for (const bus of buses) await bus.destroy().catch(() => undefined);
    await publisher?.endAsync();
    await target?.close();
    for (const id of sessions) await forgetMqttSession(id).catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Starts a bus with the given route file; `databaseUrl` lets a second bus take over the first one's store. */
  async function bus(routes: string, databaseUrl?: string): Promise<TestBus> {
    const started = await startTestBus({
      routes: { 'mqtt.yaml': routes },
      env: { TARGET_URL: target.url, MQTT_URL: MOSQUITTO_URL, ADMIN_TOKEN },
      ...(databaseUrl ? { databaseUrl } : {}),
    });
    buses.push(started);
    return started;
  }

  async function stop(b: TestBus): Promise<void> {
    buses.splice(buses.indexOf(b), 1);
    await b.destroy();
  }

  /** The bus's `GET /admin/connectors`, read as an operator would, with the admin bearer token. */
  async function connectors(b: TestBus): Promise<Array<{ kind: string; sources: Array<Record<string, any>> }>> {
    const res = await fetch(`${b.adminUrl}/admin/connectors`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    if (res.status !== 200) throw new Error(`GET /admin/connectors answered ${res.status}`);
    return (await res.json()) as Array<{ kind: string; sources: Array<Record<string, any>> }>;
  }

  async function sourceOf(b: TestBus, routeId: string): Promise<Record<string, any> | undefined> {
    return (await connectors(b)).find((c) => c.kind === 'mqtt')?.sources.find((s) => s.routeId === routeId);
  }

  const connected = (b: TestBus, routeId: string) =>
    waitUntil(async () => (await sourceOf(b, routeId))?.state === 'connected', 30_000, `route ${routeId} connected to Mosquitto`);

  /** An MQTT source route delivering to the HTTP target at `/<path>`. */
  const mqttRoute = (routeId: string, source: string, path: string) => `
routes:
  - id: ${routeId}
    from:
      mqtt: ${source}
    mode: async
    to:
      - id: sink
        http: { url: "\${TARGET_URL}/${path}" }
        retry: { attempts: 5, backoffMs: 50, maxBackoffMs: 500 }
`;

  const idsAt = (path: string, requests: readonly CapturedRequest[] = target.requests) =>
    requests.filter((r) => r.path === `/${path}`).map((r) => String((r.json as { id?: unknown } | undefined)?.id));

  async function publishIds(topic: string, ids: readonly string[]): Promise<void> {
    for (const id of ids) await publisher.publishAsync(topic, JSON.stringify({ id }), { qos: 1 });
  }

  test('QoS 1 messages published while the bus is stopped are delivered once it starts again', async () => {
    const routeId = uniqueName('mqtt-offline');
    const topic = uniqueName('junction-e2e/offline');
    sessions.push(`junction-${routeId}`);
    const routes = mqttRoute(routeId, `{ topics: "${topic}", qos: 1 }`, routeId);
    const databaseUrl = `sqlite:${join(dir, `${routeId}.db`)}`;

    // A first start creates the route's persistent session (client id derived from the route id) and its subscription.
    const first = await bus(routes, databaseUrl);
    await connected(first, routeId);
    await stop(first);

    const ids = Array.from({ length: 200 }, (_, i) => `${routeId}-${i}`);
    await publishIds(topic, ids);
    expect(idsAt(routeId)).toHaveLength(0);

    const second = await bus(routes, databaseUrl);
    await waitUntil(() => new Set(idsAt(routeId)).size === ids.length, 60_000, 'all 200 delivered after the restart');
    const counts = tally('mqtt published while the bus was stopped', ids, idsAt(routeId));
    expect(counts.lost).toBe(0);
    expect(counts.delivered).toBe(200);
    await stop(second);
  });

  test('a wildcard subscription delivers every device, MQTT 5 user properties as headers', async () => {
    const routeId = uniqueName('mqtt-wildcard');
    const base = uniqueName('junction-e2e/site');
    sessions.push(`junction-${routeId}`);
    const b = await bus(mqttRoute(routeId, `{ topics: "${base}/devices/+/telemetry" }`, routeId));
    await connected(b, routeId);

    const devices = ['d1', 'd2', 'd3'];
    const ids: string[] = [];
    for (const device of devices) {
      for (let i = 0; i < 10; i++) {
        const id = `${routeId}-${device}-${i}`;
        ids.push(id);
        await publisher.publishAsync(`${base}/devices/${device}/telemetry`, JSON.stringify({ id, t: 20 + i }), {
          qos: 1,
          properties: {
            userProperties: { 'x-device': device, Site: 'north' },
            contentType: 'application/json',
            correlationData: Buffer.from(`corr-${id}`),
          },
        });
      }
    }
    // Not matched by the filter: one level too deep, and another site.
    await publisher.publishAsync(`${base}/devices/d1/x/telemetry`, JSON.stringify({ id: 'deep' }), { qos: 1 });
    await publisher.publishAsync(`${base}-other/devices/d1/telemetry`, JSON.stringify({ id: 'other' }), { qos: 1 });

    await waitUntil(() => new Set(idsAt(routeId)).size === ids.length, 60_000, 'all 30 telemetry messages delivered');
    const counts = tally('mqtt wildcard devices/+/telemetry', ids, idsAt(routeId));
    expect(counts.lost).toBe(0);
    const got = target.requests.filter((r) => r.path === `/${routeId}`);
    for (const r of got) {
      const id = String((r.json as { id: string }).id);
      const device = id.split('-').at(-2)!;
      expect(r.headers).toMatchObject({
        'x-device': device,
        site: 'north',
        'mqtt-topic': `${base}/devices/${device}/telemetry`,
        'mqtt-qos': '1',
        'mqtt-retain': 'false',
        'x-correlation-id': `corr-${id}`,
        'content-type': 'application/json',
      });
    }
    expect(idsAt(routeId)).not.toContain('deep');
    expect(idsAt(routeId)).not.toContain('other');
    await stop(b);
  });

  test('HTTP to MQTT: each message published to the topic its expression gives, with its properties', async () => {
    const routeId = uniqueName('http-to-mqtt');
    const base = uniqueName('junction-e2e/readings');
    const collector = await mqttCollector(`${base}/#`);
    try {
      const b = await bus(`
routes:
  - id: ${routeId}
    from: { http: { path: /${routeId} } }
    mode: async
    to:
      - id: broker
        mqtt: { topicExpr: "'${base}/' & device", qos: 1, properties: { origin: junction } }
`);
      const ids = Array.from({ length: 60 }, (_, i) => `${routeId}-${i}`);
      for (const [i, id] of ids.entries()) {
        const res = await post(`${b.url}/${routeId}`, { id, device: `dev${i % 3}` }, { 'x-site': 'north', 'x-correlation-id': `corr-${i}` });
        expect(res.status).toBe(202);
      }
      const received = () => collector.messages.map((m) => String(JSON.parse(m.payload.toString()).id));
      await waitUntil(() => new Set(received()).size === ids.length, 60_000, 'all 60 published to Mosquitto');
      const counts = tally('mqtt HTTP to MQTT', ids, received());
      expect(counts.lost).toBe(0);
      for (const m of collector.messages) {
        const body = JSON.parse(m.payload.toString()) as { id: string; device: string };
        const i = Number(body.id.split('-').at(-1));
        expect(m.topic).toBe(`${base}/${body.device}`);
        expect(m.qos).toBe(1);
        expect(m.properties?.contentType).toBe('application/json');
        expect(m.properties?.correlationData?.toString()).toBe(`corr-${i}`);
        expect(m.properties?.userProperties).toMatchObject({ 'x-site': 'north', origin: 'junction', 'x-correlation-id': `corr-${i}` });
        expect(m.properties?.userProperties?.['x-message-id']).toEqual(expect.any(String));
        expect(m.properties?.userProperties?.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
      }
      await stop(b);
    } finally {
      await collector.close();
    }
  });

  test('GET /admin/connectors shows the MQTT source connected, with its topics and client id', async () => {
    const routeId = uniqueName('mqtt-status');
    const topic = uniqueName('junction-e2e/status');
    const clientId = uniqueName('junction-e2e-status');
    sessions.push(clientId);
    const b = await bus(mqttRoute(routeId, `{ topics: ["${topic}/a", "${topic}/b/#"], clientId: ${clientId} }`, routeId));
    await connected(b, routeId);

    const unauthenticated = await fetch(`${b.adminUrl}/admin/connectors`);
    expect(unauthenticated.status).toBe(401);
    const mqtt = (await connectors(b)).find((c) => c.kind === 'mqtt');
    expect(mqtt).toMatchObject({ kind: 'mqtt', source: true, target: true });
    const source = mqtt!.sources.find((s) => s.routeId === routeId);
    expect(source).toMatchObject({ routeId, state: 'connected', detail: { topics: [`${topic}/a`, `${topic}/b/#`], clientId } });
    expect(source!.since).toEqual(expect.any(Number));

    // And the connected source carries traffic.
    const ids = Array.from({ length: 20 }, (_, i) => `${routeId}-${i}`);
    await publishIds(`${topic}/a`, ids.slice(0, 10));
    await publishIds(`${topic}/b/deeper/still`, ids.slice(10));
    await waitUntil(() => new Set(idsAt(routeId)).size === ids.length, 60_000, 'all 20 delivered');
    const counts = tally('mqtt status route', ids, idsAt(routeId));
    expect(counts.lost).toBe(0);
    await stop(b);
  });
});
