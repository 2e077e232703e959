import { freePort, waitUntil } from '@junction/testing';
import { seededRandom } from './demo/sample-orders';
import { alertTopic, MqttDeviceFeed, telemetryTopic, type DeviceFeedOptions } from './devices.mqtt';
import { DEVICES, DeviceSimulator, overLimit, type TelemetryReading } from './devices.telemetry';
import { BROKER_WAIT_MS, mqttTestClient, TEST_MQTT_URL, uniqueName, waitForCount } from './testing/brokers';

/** The device feed against the machine's MQTT broker (or MQTT_URL), each test under a topic root of its own. */
describe('MqttDeviceFeed on an MQTT broker', () => {
  const closing: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const close of closing.splice(0).reverse()) await close();
  });

  const startFeed = (options: Partial<DeviceFeedOptions> = {}) => {
    const lines: string[] = [];
    const topicRoot = uniqueName('devices');
    const feed = new MqttDeviceFeed({ url: TEST_MQTT_URL, topicRoot, everyMs: 20, log: (l) => lines.push(l), ...options });
    closing.push(() => feed.close());
    feed.start();
    return { feed, topicRoot, lines };
  };
  const watch = async (filter: string) => {
    const subscriber = await mqttTestClient(filter);
    closing.push(subscriber.close);
    return subscriber.received;
  };

  it('publishes each device in turn to <root>/<id>/telemetry: JSON, QoS 1, not retained, with the device-type user property', async () => {
    const topicRoot = uniqueName('devices');
    // Subscribed before the feed starts, so that the first readings are seen.
    const received = await watch(`${topicRoot}/+/telemetry`);
    const { feed, lines } = startFeed({ topicRoot, simulator: new DeviceSimulator(DEVICES, seededRandom(5)) });
    await waitForCount(received, DEVICES.length * 2, 'readings');
    const readings = received.map((r) => JSON.parse(r.body) as TelemetryReading);
    expect(readings.slice(0, DEVICES.length).map((r) => r.deviceId)).toEqual(DEVICES.map((d) => d.id));
    for (const [i, r] of received.entries()) {
      expect(r.topic).toBe(telemetryTopic(topicRoot, readings[i].deviceId));
      expect(r.packet.qos).toBe(1);
      expect(r.packet.retain).toBe(false);
      expect(r.packet.properties).toMatchObject({ contentType: 'application/json', userProperties: { 'device-type': readings[i].type } });
    }
    await waitUntil(() => feed.counts().published >= received.length, BROKER_WAIT_MS, 'the broker acknowledging what it delivered');
    expect(lines).toEqual([
      expect.stringMatching(new RegExp(`^devices: connected to the MQTT broker at mqtt://127\\.0\\.0\\.1:\\d+; 4 devices publish to ${topicRoot}/<id>/telemetry \\(QoS 1\\), one reading every 20 ms$`)),
    ]);
  });

  it('counts the readings over their limit among those the broker acknowledged', async () => {
    const { feed, topicRoot } = startFeed({ simulator: new DeviceSimulator(DEVICES, seededRandom(11)) });
    const received = await watch(`${topicRoot}/+/telemetry`);
    await waitUntil(() => feed.counts().overLimit >= 2, BROKER_WAIT_MS, 'two readings over their limit');
    await feed.close();
    const counts = feed.counts();
    const over = received.map((r) => JSON.parse(r.body) as TelemetryReading).filter(overLimit).length;
    expect(counts.published).toBeGreaterThanOrEqual(received.length);
    expect(counts.overLimit).toBeGreaterThanOrEqual(over);
    expect(counts.failed).toBe(0);
  });

  it('counts the alerts sent back to the devices on <root>/<id>/alerts', async () => {
    const { feed, topicRoot } = startFeed({ everyMs: 1_000 });
    expect(await feed.whenConnected(BROKER_WAIT_MS)).toBe(true);
    const sender = await mqttTestClient(uniqueName('unused'));
    closing.push(sender.close);
    // The feed subscribes right after connecting: publish until an alert has been counted.
    await waitUntil(
      async () => {
        await sender.client.publishAsync(alertTopic(topicRoot, 'fridge-01'), '{"priority":"high"}', { qos: 1 });
        return feed.counts().alertsReceived > 0;
      },
      BROKER_WAIT_MS,
      'an alert counted',
      200,
    );
    await sender.client.publishAsync(`${topicRoot}/fridge-01/other`, '{}', { qos: 1 });
    const before = feed.counts().alertsReceived;
    await sender.client.publishAsync(alertTopic(topicRoot, 'freezer-02'), '{}', { qos: 1 });
    await waitUntil(() => feed.counts().alertsReceived === before + 1, BROKER_WAIT_MS, 'the second alert counted');
  });

  it('says once that the broker is absent, keeps trying, publishes nothing meanwhile, and closes', async () => {
    const url = `mqtt://127.0.0.1:${await freePort()}`;
    const { feed, lines } = startFeed({ url });
    await waitUntil(() => lines.length > 0, BROKER_WAIT_MS, 'a line about the absent broker');
    // Long enough for the 2 s retry to fail again, alike.
    expect(await feed.whenConnected(2_500)).toBe(false);
    expect(lines).toEqual([expect.stringMatching(/^devices: cannot reach the MQTT broker at mqtt:\/\/127\.0\.0\.1:\d+ \(.*ECONNREFUSED.*\); trying again every 2 s$/)]);
    await feed.close();
    expect(feed.counts()).toEqual({ published: 0, overLimit: 0, failed: 0, skipped: 0, alertsReceived: 0 });
  });

  it('closes without having started, and twice', async () => {
    const feed = new MqttDeviceFeed({ url: TEST_MQTT_URL, log: () => undefined });
    await feed.close();
    await feed.close();
    expect(feed.counts()).toEqual({ published: 0, overLimit: 0, failed: 0, skipped: 0, alertsReceived: 0 });
  });
});
