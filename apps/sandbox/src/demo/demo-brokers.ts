import { redactUrl } from '../broker-url';
import { DEFAULT_DEVICE_TOPIC_ROOT, MqttDeviceFeed, telemetryTopic } from '../devices.mqtt';
import { AmqpWarehouse, DEFAULT_WAREHOUSE_NAMES, type WarehouseNames } from '../warehouse.amqp';
import { probeAmqp, probeMqtt } from './broker-probe';
import { post } from './bus-requests';
import {
  devicesSummaryLine,
  emptyTally,
  mqttLine,
  orderLine,
  rabbitmqLine,
  tallyOutcome,
  warehouseSummaryLine,
  type Outcome,
} from './demo-console';
import { acceptedWebOrder, type SampleRequest } from './sample-orders';

/** The RabbitMQ the demo looks for when AMQP_URL is not set (RabbitMQ's own default user). */
export const DEFAULT_AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';
/** The MQTT broker the demo looks for when MQTT_URL is not set. */
export const DEFAULT_MQTT_URL = 'mqtt://127.0.0.1:1883';

export interface DemoBrokersOptions {
  /** Default DEFAULT_AMQP_URL. */
  readonly amqpUrl?: string;
  /** Default DEFAULT_MQTT_URL. */
  readonly mqttUrl?: string;
  /** Default: the names of routes/warehouse.yaml. */
  readonly warehouseNames?: Partial<WarehouseNames>;
  /** Default `devices`, as in routes/devices.yaml. */
  readonly deviceTopicRoot?: string;
  /** Time between two device readings (default: the feed's, 500 ms). */
  readonly deviceEveryMs?: number;
  readonly log: (line: string) => void;
}

/** How the demo reaches the bus: its URL, the ingress token if any, and the signal that aborts requests at the end. */
export interface BusRequestContext {
  readonly busUrl: string;
  readonly token: string | undefined;
  readonly signal: AbortSignal;
}

/** What the CRM counted of the brokers' flows. */
export interface CrmBrokerCounts {
  crmOrderEventsFrom(source: string): number;
  crmCases(): number;
}

/** How long the demo waits for the warehouse to declare its exchanges, which the bus's routes use, before going on. */
const WAREHOUSE_READY_TIMEOUT_MS = 10_000;

/**
 * The demo's systems on message brokers: the warehouse on RabbitMQ and the device feed on MQTT, each run only when
 * its broker answered at start. Without a broker, the demo says which one is absent and how to start it, and runs
 * the rest.
 *
 * Lifecycle: `probe` asks both brokers at once and starts nothing. `start` prints a line for each broker and starts
 * the warehouse, waiting until it has declared its exchanges (the bus's warehouse routes publish to and bind on them);
 * `startDevices` starts the feed once the bus is ready, so that its subscription gets the first readings. `close`
 * stops the feed, then the warehouse; safe to call twice, and without `start`.
 */
export class DemoBrokers {
  readonly warehouse?: AmqpWarehouse;
  readonly devices?: MqttDeviceFeed;
  private readonly releasedTally = emptyTally();
  private releaseFailed = false;
  private closing?: Promise<void>;

  private constructor(
    private readonly options: DemoBrokersOptions,
    private readonly amqpUrl: string,
    private readonly mqttUrl: string,
    rabbitmq: boolean,
    mosquitto: boolean,
  ) {
    const log = options.log;
    if (rabbitmq) this.warehouse = new AmqpWarehouse({ url: amqpUrl, log, ...(options.warehouseNames ? { names: options.warehouseNames } : {}) });
    if (mosquitto) {
      this.devices = new MqttDeviceFeed({
        url: mqttUrl,
        log,
        topicRoot: options.deviceTopicRoot ?? DEFAULT_DEVICE_TOPIC_ROOT,
        ...(options.deviceEveryMs === undefined ? {} : { everyMs: options.deviceEveryMs }),
      });
    }
  }

  /** Asks RabbitMQ and the MQTT broker whether they are there, at once; never rejects. */
  static async probe(options: DemoBrokersOptions): Promise<DemoBrokers> {
    const amqpUrl = options.amqpUrl ?? DEFAULT_AMQP_URL;
    const mqttUrl = options.mqttUrl ?? DEFAULT_MQTT_URL;
    const [amqp, mqtt] = await Promise.all([probeAmqp(amqpUrl), probeMqtt(mqttUrl)]);
    return new DemoBrokers(options, amqpUrl, mqttUrl, amqp.reachable, mqtt.reachable);
  }


  async start(): Promise<void> {
    const { log } = this.options;
    log(rabbitmqLine(this.amqpUrl, this.warehouse !== undefined, { ...DEFAULT_WAREHOUSE_NAMES, ...this.options.warehouseNames }));
    const topicRoot = this.options.deviceTopicRoot ?? DEFAULT_DEVICE_TOPIC_ROOT;
    log(mqttLine(this.mqttUrl, this.devices !== undefined, telemetryTopic(topicRoot, '<id>')));
    if (!this.warehouse) return;
    this.warehouse.start();
    if (!(await this.warehouse.whenReady(WAREHOUSE_READY_TIMEOUT_MS))) {
      log(`warehouse: not ready after ${WAREHOUSE_READY_TIMEOUT_MS / 1000} s; the bus's warehouse routes may wait for it`);
    }
  }

  startDevices(): void {
    this.devices?.start();
  }

  /** The bus's settings for the brokers that answered (AMQP_URL, MQTT_URL: what the sample routes read). */
  busEnv(): Record<string, string> {
    return {
      ...(this.warehouse ? { AMQP_URL: this.amqpUrl } : {}),
      ...(this.devices ? { MQTT_URL: this.mqttUrl } : {}),
    };
  }

  /** The same settings as shown on the console: passwords hidden. */
  busEnvShown(): string[] {
    return Object.entries(this.busEnv()).map(([name, value]) => `${name}=${redactUrl(value)}`);
  }

  /**
   * The web shop releasing an order for picking: when the warehouse runs and the bus accepted `order` (a valid web
   * order), posts it to the bus's `POST /orders/accepted` and counts the answer, logging the first failure. Returns
   * the request under way, which never rejects, or undefined when there is nothing to release.
   */
  release(order: SampleRequest, outcome: Outcome, bus: BusRequestContext): Promise<void> | undefined {
    const accepted = !('error' in outcome) && outcome.status < 300;
    if (!this.warehouse || order.kind !== 'web' || !accepted || order.invalidOnPurpose) return undefined;
    const request = acceptedWebOrder(order);
    return post(bus.busUrl, request, bus.token, bus.signal).then((answer) => {
      tallyOutcome(this.releasedTally, request, answer);
      if (this.releaseFailed || (!('error' in answer) && answer.status < 300)) return;
      this.releaseFailed = true;
      this.options.log(`web shop: releasing orders for picking failed: ${orderLine(request, answer)}`);
    });
  }

  /** The summary lines of the flows that run (none without brokers). */
  summaryLines(crm: CrmBrokerCounts): string[] {
    const lines: string[] = [];
    if (this.warehouse) lines.push(warehouseSummaryLine(this.releasedTally, this.warehouse.counts(), crm.crmOrderEventsFrom('warehouse')));
    if (this.devices) lines.push(devicesSummaryLine(this.devices.deviceCount(), this.devices.counts(), crm.crmCases()));
    return lines;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.devices?.close();
      await this.warehouse?.close();
    })();
    return this.closing;
  }
}
