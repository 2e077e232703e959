import { randomBytes } from 'node:crypto';
import { connect, type MqttClient } from 'mqtt';
import { redactUrl } from './broker-url';
import { DeviceSimulator, overLimit, type TelemetryReading } from './devices.telemetry';

/** Where the device feed publishes: the sandbox option `devices`. */
export interface DeviceFeedConfig {
  /** `mqtt://[user:password@]host:port` (mqtts:, ws: and wss: too). */
  readonly url: string;
  /** Time between two readings, the devices taking turns (default 500 ms: each of four devices every 2 s). */
  readonly everyMs?: number;
  /** First level of the topics (default `devices`): readings go to `<topicRoot>/<deviceId>/telemetry`. */
  readonly topicRoot?: string;
}

export interface DeviceFeedOptions extends DeviceFeedConfig {
  /** Where connections and losses are reported, one line each. */
  readonly log: (line: string) => void;
  /** The devices and their readings (default: a new DeviceSimulator with the four sample devices). */
  readonly simulator?: DeviceSimulator;
}

/** What the feed did since it started. */
export interface DeviceFeedCounts {
  /** Readings the broker acknowledged (PUBACK). */
  readonly published: number;
  /** Of those, readings above their device's limit: the ones the sample route raises a CRM case for. */
  readonly overLimit: number;
  /** Readings the broker did not acknowledge: refused, or in flight when the connection went or the feed closed. */
  readonly failed: number;
  /** Turns without a reading because the connection was lost, or too many readings were still in flight. */
  readonly skipped: number;
  /** Messages the devices received on their alert topics (the sample route sends a reading over the limit back). */
  readonly alertsReceived: number;
}

export const DEFAULT_DEVICE_TOPIC_ROOT = 'devices';
const DEFAULT_EVERY_MS = 500;
/** Readings in flight beyond which a turn is skipped, so that a broker that stops acknowledging holds a bounded backlog. */
const MAX_IN_FLIGHT = 100;
/** How long `close` waits for acknowledgements still due. */
const CLOSE_GRACE_MS = 2_000;

/** The topic a device publishes its readings to. */
export function telemetryTopic(root: string, deviceId: string): string {
  return `${root}/${deviceId}/telemetry`;
}

/** The topic a device takes alerts on (its display shows them). */
export function alertTopic(root: string, deviceId: string): string {
  return `${root}/${deviceId}/alerts`;
}

/**
 * A feed of telemetry from simulated devices (devices.telemetry.ts) over MQTT 5: one reading every `everyMs`, each to
 * `<topicRoot>/<deviceId>/telemetry` as JSON, QoS 1, not retained, with content type `application/json` and the user
 * property `device-type`. The devices also subscribe to their alert topics, `<topicRoot>/<deviceId>/alerts` (QoS 1),
 * and count what comes.
 *
 * Lifecycle: the constructor does no I/O. `start` connects in the background (clean session, a client id of its own);
 * the turns begin once connected. A turn while the connection is lost is skipped, not queued, so that a broker coming
 * back gets the current readings rather than a backlog. When the broker is absent or goes away the feed says so once
 * and mqtt.js keeps trying every 2 s; it says so again when it is back. `close` stops the turns, waits up to 2 s for
 * acknowledgements still due, then disconnects. Safe to call twice, and without `start`.
 */
export class MqttDeviceFeed {
  readonly topicRoot: string;
  private readonly simulator: DeviceSimulator;
  private readonly tally = { published: 0, overLimit: 0, failed: 0, skipped: 0, alertsReceived: 0 };
  private client?: MqttClient;
  private timer?: NodeJS.Timeout;
  private inFlight = 0;
  /** Set when `close` counted the readings still in flight as failed: their late acknowledgements count no more. */
  private abandoned = false;
  private closing?: Promise<void>;
  private troubled = false;
  private connectedOnce = false;
  private readonly connected: Promise<void>;
  private markConnected!: () => void;

  constructor(private readonly options: DeviceFeedOptions) {
    this.topicRoot = options.topicRoot ?? DEFAULT_DEVICE_TOPIC_ROOT;
    this.simulator = options.simulator ?? new DeviceSimulator();
    this.connected = new Promise((resolve) => (this.markConnected = resolve));
  }

  /** Connects in the background (the turns begin with the connection); never throws. A second call does nothing. */
  start(): void {
    if (this.client || this.closing) return;
    const client = connect(this.options.url, {
      protocolVersion: 5,
      clientId: `junction-sandbox-devices-${randomBytes(4).toString('hex')}`,
      clean: true,
      reconnectPeriod: 2_000,
      connectTimeout: 5_000,
    });
    this.client = client;
    client.on('connect', () => this.onConnect(client));
    client.on('message', () => this.tally.alertsReceived++);
    client.on('error', (err: Error) =>
      this.trouble(`cannot reach the MQTT broker at ${this.where()} (${err.message}); trying again every 2 s`),
    );
    client.on('offline', () => this.trouble(`lost the MQTT broker at ${this.where()}; reconnecting`));
  }

  /** Resolves true once connected, false when `timeoutMs` passes first. */
  async whenConnected(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    try {
      return await Promise.race([this.connected.then(() => true as const), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  counts(): DeviceFeedCounts {
    return { ...this.tally };
  }

  /** The devices taking turns. */
  deviceCount(): number {
    return this.simulator.devices.length;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.timer);
      const client = this.client;
      if (!client) return;
      const deadline = Date.now() + CLOSE_GRACE_MS;
      while (this.inFlight > 0 && client.connected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      // Forced when acknowledgements are still due (their callbacks are then never called) or there is no connection.
      const force = this.inFlight > 0 || !client.connected;
      this.tally.failed += this.inFlight;
      this.abandoned = true;
      await client.endAsync(force).catch(() => undefined);
    })();
    return this.closing;
  }

  private turn(): void {
    const client = this.client;
    if (!client?.connected || this.inFlight >= MAX_IN_FLIGHT) {
      this.tally.skipped++;
      return;
    }
    const reading = this.simulator.next();
    this.inFlight++;
    client.publish(
      telemetryTopic(this.topicRoot, reading.deviceId),
      JSON.stringify(reading),
      { qos: 1, retain: false, properties: { contentType: 'application/json', userProperties: { 'device-type': reading.type } } },
      (err?: Error) => this.acknowledged(reading, err),
    );
  }

  private acknowledged(reading: TelemetryReading, err: Error | undefined): void {
    if (this.abandoned) return;
    this.inFlight--;
    if (err) {
      this.tally.failed++;
      return;
    }
    this.tally.published++;
    if (overLimit(reading)) this.tally.overLimit++;
  }

  private onConnect(client: MqttClient): void {
    // Again on every connection: a clean session forgets its subscriptions.
    client.subscribe(alertTopic(this.topicRoot, '+'), { qos: 1 }, (err) => {
      if (err) this.options.log(`devices: cannot subscribe to ${alertTopic(this.topicRoot, '+')} (${err.message}); alerts go unseen`);
    });
    if (!this.connectedOnce || this.troubled) {
      const topics = telemetryTopic(this.topicRoot, '<id>');
      const every = this.options.everyMs ?? DEFAULT_EVERY_MS;
      this.options.log(
        `devices: connected to the MQTT broker at ${this.where()}; ${this.deviceCount()} devices publish to ${topics} ` +
          `(QoS 1), one reading every ${every} ms`,
      );
    }
    this.connectedOnce = true;
    this.troubled = false;
    // The turns begin with the first connection and go on through later losses, skipped while they last.
    if (!this.timer && !this.closing) this.timer = setInterval(() => this.turn(), this.options.everyMs ?? DEFAULT_EVERY_MS);
    this.markConnected();
  }

  private trouble(line: string): void {
    if (this.troubled || this.closing) return;
    this.troubled = true;
    this.options.log(`devices: ${line}`);
  }

  private where(): string {
    return redactUrl(this.options.url);
  }
}
