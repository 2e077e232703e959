import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ErpEventsKafkaConfig } from '../erp-events.kafka';
import { DEFAULT_ERP_EVENTS_TOPIC } from '../sandbox.env';
import { startSandbox, type Sandbox, type SandboxOptions } from '../sandbox.server';
import type { UsernameCredentials } from '../sandbox.wssecurity';
import type { WarehouseNames } from '../warehouse.amqp';
import { describeExit, portOrFree, spawnBus, waitForHealth, type BusProcess, type ExitStatus } from './bus-process';
import {
  emptyTally,
  demoAdmin,
  kafkaLine,
  orderLine,
  soapOrderLine,
  summaryLine,
  tallyOutcome,
  tallySoapOutcome,
  whereToLook,
} from './demo-console';
import { post, REQUEST_TIMEOUT_MS } from './bus-requests';
import { DemoBrokers } from './demo-brokers';
import { DemoLegacyWarehouse } from './demo-legacy-warehouse';
import { DEFAULT_KAFKA_BROKERS, ensureTopic, probeKafka } from './kafka-probe';
import { LEGACY_SOAP_PATH, LegacySoapClient } from './legacy-soap-client';
import { legacyBatch, legacySoapOrder, seededRandom, webOrder, type SampleRequest } from './sample-orders';

export interface DemoOptions {
  /** Sandbox port; a free one is taken when it is in use. */
  readonly sandboxPort: number;
  /** Bus port (passed to the bus as PORT); a free one is taken when it is in use. */
  readonly busPort: number;
  /** How to start the bus, e.g. `node` with `[dist/apps/bus/src/main.js]`. */
  readonly busCommand: string;
  readonly busArgs: readonly string[];
  /** A file that must exist before the bus is started (its entry point), for a clear message when it is not built. */
  readonly busEntry?: string;
  /**
   * Base environment of the bus; the demo adds PORT, SANDBOX_URL, PUBLIC_URL (unless set), with `erpCredentials`
   * SANDBOX_ERP_USER and SANDBOX_ERP_PASSWORD for routes that call the ERP's SOAP service, and, when a Kafka broker
   * answered at start, KAFKA_BROKERS and SANDBOX_ERP_EVENTS_TOPIC for the route of the ERP's order events.
   */
  readonly busEnv: NodeJS.ProcessEnv;
  /** Sent as `Authorization: Bearer <token>` with every order, for a bus started with INGRESS_TOKEN. */
  readonly ingressToken?: string;
  readonly cwd: string;
  readonly failureRate: number;
  /** WS-Security credentials the sandbox's ERP SOAP service requires; none: it requires none. */
  readonly erpCredentials?: UsernameCredentials;
  /**
   * The Kafka broker the demo looks for at start (default 127.0.0.1:9092). When it answers, the sandbox's ERP
   * publishes its order events there and the bus is told where it is; when not, neither happens.
   */
  readonly kafkaBrokers?: readonly string[];
  /** Topic of the ERP's order events (default erp.order-events). */
  readonly erpEventsTopic?: string;
  /**
   * The RabbitMQ the demo looks for at start (default amqp://guest:guest@127.0.0.1:5672). When it answers, the
   * sandbox's warehouse runs there, the bus is told where it is (AMQP_URL), and the web shop releases the orders the
   * bus accepted for picking (`POST /orders/accepted`); when not, none of that happens.
   */
  readonly amqpUrl?: string;
  /**
   * The MQTT broker the demo looks for at start (default mqtt://127.0.0.1:1883). When it answers, simulated devices
   * publish telemetry there once the bus is ready, and the bus is told where it is (MQTT_URL).
   */
  readonly mqttUrl?: string;
  /** The warehouse's exchanges and queue (default: those routes/warehouse.yaml names); tests give their own. */
  readonly warehouseNames?: Partial<WarehouseNames>;
  /** First level of the device feed's topics (default `devices`, as routes/devices.yaml subscribes). */
  readonly deviceTopicRoot?: string;
  /** Time between two device readings, the devices taking turns (default 500 ms). */
  readonly deviceEveryMs?: number;
  /**
   * The legacy warehouse's folder (`stock/`, `orders/`), given to the bus as LEGACY_WAREHOUSE_DIR for
   * routes/legacy-warehouse.yaml; default `<cwd>/data/legacy-warehouse` (a relative one is taken from `cwd`).
   */
  readonly legacyWarehouseDir?: string;
  /** How often the legacy warehouse exports its stock and reads its orders (default 3 s). */
  readonly legacyWarehouseEveryMs?: number;
  /** Stop by itself after this long (from the moment the bus is ready). */
  readonly durationMs?: number;
  readonly seed: number;
  readonly webEveryMs: number;
  readonly legacyEveryMs: number;
  /** How often the legacy SOAP client calls SubmitOrder on the bus's `/soap/orders` (once the bus publishes it). */
  readonly soapEveryMs: number;
  readonly summaryEveryMs: number;
  readonly busReadyTimeoutMs: number;
  readonly log: (line: string) => void;
  /** Aborting stops the demo (Ctrl-C). */
  readonly signal?: AbortSignal;
}

export const DEMO_DEFAULTS = {
  sandboxPort: 4010,
  busPort: 8080,
  failureRate: 0.05,
  webEveryMs: 700,
  legacyEveryMs: 2_000,
  soapEveryMs: 2_500,
  summaryEveryMs: 10_000,
  busReadyTimeoutMs: 60_000,
} as const;

/** Time the bus gets to finish in-flight deliveries after SIGTERM before it is killed. */
const BUS_STOP_GRACE_MS = 15_000;

/**
 * Runs the demo: sandbox, bus child process, a trickle of orders, periodic summaries, and an orderly stop on abort,
 * after `durationMs`, or when the bus dies. Resolves with the exit code: 0 when the bus started, stayed up until it
 * was asked to stop, stopped cleanly, and accepted at least one order; 1 otherwise. Never leaves the sandbox or the bus
 * running.
 */
export async function runDemo(o: DemoOptions): Promise<number> {
  const { log } = o;
  const brokers = o.kafkaBrokers ?? DEFAULT_KAFKA_BROKERS;
  const topic = o.erpEventsTopic ?? DEFAULT_ERP_EVENTS_TOPIC;
  // Every broker is asked at once, so that absent ones cost one probe's time in all.
  const [kafkaProbe, brokerSystems] = await Promise.all([probeKafka(brokers), DemoBrokers.probe(o)]);
  const kafka: ErpEventsKafkaConfig | undefined = kafkaProbe.reachable ? { brokers, topic } : undefined;
  const sandboxOptions: SandboxOptions = {
    failureRate: o.failureRate,
    erpCredentials: o.erpCredentials,
    log,
    ...(kafka ? { kafka } : {}),
  };
  const legacyWarehouse = new DemoLegacyWarehouse({
    // Absolute: the bus resolves a relative folder against its routes folder, the demo against its own.
    dir: resolve(o.cwd, o.legacyWarehouseDir ?? join('data', 'legacy-warehouse')),
    log,
    ...(o.legacyWarehouseEveryMs === undefined ? {} : { everyMs: o.legacyWarehouseEveryMs }),
  });
  let sandbox: Sandbox;
  try {
    sandbox = await startSandbox({ ...sandboxOptions, port: o.sandboxPort });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    sandbox = await startSandbox({ ...sandboxOptions, port: 0 });
    log(`port ${o.sandboxPort} is taken; the sandbox uses ${sandbox.port} instead`);
  }
  try {
    const failure = `${Math.round(o.failureRate * 100)}% of requests fail with 503 at random`;
    const user = o.erpCredentials?.username;
    const soap = user ? `ERP SOAP /erp/soap with WS-Security user ${user}` : 'ERP SOAP /erp/soap';
    log(`sandbox  ${sandbox.url}  (CRM /crm, ERP /erp, ${soap}, legacy /legacy; ${failure})`);
    log(kafkaLine(brokers, kafka !== undefined, topic));
    // The topic exists before the bus starts, so that its Kafka route subscribes at once rather than retrying.
    const check = kafka && (await ensureTopic(kafka.brokers, kafka.topic));
    if (check && !check.ok) log(`kafka    could not create ${topic} (${check.reason}); the bus's route may wait for it`);
    return await withBus(o, sandbox, kafka, brokerSystems, legacyWarehouse);
  } finally {
    await legacyWarehouse.close();
    await brokerSystems.close();
    await sandbox.close();
    log('sandbox stopped');
  }
}

async function withBus(
  o: DemoOptions,
  sandbox: Sandbox,
  kafka: ErpEventsKafkaConfig | undefined,
  brokerSystems: DemoBrokers,
  legacyWarehouse: DemoLegacyWarehouse,
): Promise<number> {
  const { log } = o;
  if (o.busEntry !== undefined && !existsSync(o.busEntry)) {
    log(`the bus is not built: ${o.busEntry} is missing (run npm run build)`);
    return 1;
  }
  // Before the bus: the warehouse declares the exchanges that the bus's warehouse routes publish to and bind on.
  await brokerSystems.start();
  // Before the bus too: its first stock export waits in the folder for the bus's file route.
  await legacyWarehouse.start();
  const busPort = await portOrFree(o.busPort);
  if (o.busPort !== 0 && busPort !== o.busPort) log(`port ${o.busPort} is taken; the bus uses ${busPort} instead`);
  const busUrl = `http://127.0.0.1:${busPort}`;
  const publicUrl = o.busEnv.PUBLIC_URL || busUrl;
  // No broker answered: the bus is told of none, and its Kafka route waits for one.
  const kafkaEnv = kafka ? { KAFKA_BROKERS: kafka.brokers.join(','), SANDBOX_ERP_EVENTS_TOPIC: kafka.topic } : {};
  const settings = [`PORT=${busPort}`, `SANDBOX_URL=${sandbox.url}`, `PUBLIC_URL=${publicUrl}`]
    .concat(Object.entries(kafkaEnv).map(([name, value]) => `${name}=${value}`))
    .concat(Object.entries(legacyWarehouse.busEnv()).map(([name, value]) => `${name}=${value}`))
    .concat(brokerSystems.busEnvShown())
    .join(' ');
  log(`bus      starting ${[o.busCommand, ...o.busArgs].join(' ')} with ${settings}`);
  const admin = demoAdmin(o.busEnv);
  const erp = o.erpCredentials;
  const erpEnv = erp ? { SANDBOX_ERP_USER: erp.username, SANDBOX_ERP_PASSWORD: erp.password } : {};
  const bus = spawnBus(o.busCommand, o.busArgs, {
    env: {
      ...admin.env,
      ...o.busEnv,
      PORT: String(busPort),
      SANDBOX_URL: sandbox.url,
      PUBLIC_URL: publicUrl,
      ...erpEnv,
      ...kafkaEnv,
      ...brokerSystems.busEnv(),
      ...legacyWarehouse.busEnv(),
    },
    cwd: o.cwd,
    log,
  });
  const started = Date.now();
  try {
    await waitForHealth(`${busUrl}/health`, o.busReadyTimeoutMs, bus.exited, o.signal);
  } catch (err) {
    log(`bus did not start: ${(err as Error).message}`);
    log(`bus stopped (${describeExit(await bus.stop(BUS_STOP_GRACE_MS))})`);
    return 1;
  }
  log(`bus      ready at ${busUrl} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  whereToLook(busUrl, sandbox.url, admin.admin).forEach((line) => log(line));
  const every = (ms: number) => (ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`);
  log(
    `Sending a web order every ${every(o.webEveryMs)}, a legacy batch every ${every(o.legacyEveryMs)}, and a legacy SOAP ` +
      `order every ${every(o.soapEveryMs)} once the bus publishes ${LEGACY_SOAP_PATH}.`,
  );
  log(o.durationMs === undefined ? 'Ctrl-C stops the demo.' : `The demo stops by itself after ${every(o.durationMs)}.`);
  log('');
  brokerSystems.startDevices();
  return trickle(o, sandbox, bus, busUrl, brokerSystems, legacyWarehouse);
}

async function trickle(
  o: DemoOptions,
  sandbox: Sandbox,
  bus: BusProcess,
  busUrl: string,
  brokerSystems: DemoBrokers,
  legacyWarehouse: DemoLegacyWarehouse,
): Promise<number> {
  const { log } = o;
  const random = seededRandom(o.seed);
  const tallies = { web: emptyTally(), legacy: emptyTally(), soap: emptyTally() };
  const inFlight = new Set<Promise<void>>();
  const requests = new AbortController();
  let webN = 0;
  let legacyN = 0;
  let soapN = 0;
  const begun = Date.now();

  const track = (p: Promise<void>) => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };
  const send = (request: SampleRequest) =>
    track(
      post(busUrl, request, o.ingressToken, requests.signal).then((outcome) => {
        tallyOutcome(tallies[request.kind], request, outcome);
        log(orderLine(request, outcome));
        const releasing = stopping ? undefined : brokerSystems.release(request, outcome, { busUrl, token: o.ingressToken, signal: requests.signal });
        if (releasing) track(releasing);
        const forwarding = stopping ? undefined : legacyWarehouse.forward(request, outcome, { busUrl, token: o.ingressToken, signal: requests.signal });
        if (forwarding) track(forwarding);
      }),
    );

  // The legacy system speaking SOAP: one call at a time; each reason it cannot call is shown once.
  const token = o.ingressToken === undefined ? {} : { token: o.ingressToken };
  const soapClient = new LegacySoapClient({ busUrl, timeoutMs: REQUEST_TIMEOUT_MS, ...token });
  const soapNotes = new Set<string>();
  const noteOnce = (line: string) => {
    if (soapNotes.has(line)) return;
    soapNotes.add(line);
    log(line);
  };
  let soapBusy = false;
  const sendSoap = () => {
    if (soapBusy) return;
    soapBusy = true;
    track(
      (async () => {
        const connection = await soapClient.connect(requests.signal);
        if (!connection.ok) {
          if (!connection.published) noteOnce(`legacy SOAP client: the bus publishes no ${LEGACY_SOAP_PATH} yet`);
          else noteOnce(`legacy SOAP client: cannot use ${soapClient.wsdlUrl}: ${connection.reason}`);
          return;
        }
        const request = legacySoapOrder(++soapN, random);
        const outcome = await soapClient.submitOrder(request, requests.signal);
        tallySoapOutcome(tallies.soap, outcome);
        log(soapOrderLine(request, outcome));
      })().finally(() => {
        soapBusy = false;
      }),
    );
  };
  const summary = () => {
    log(summaryLine(Date.now() - begun, tallies, sandbox.recorder.counts(), sandbox.crmOrderEvents()));
    brokerSystems.summaryLines(sandbox).forEach((line) => log(line));
    log(legacyWarehouse.summaryLine(sandbox.crmStockLevels()));
  };

  const timers = [
    setInterval(() => send(webOrder(++webN, random)), o.webEveryMs),
    setInterval(() => send(legacyBatch(++legacyN, random)), o.legacyEveryMs),
    setInterval(sendSoap, o.soapEveryMs),
    setInterval(summary, o.summaryEveryMs),
  ];
  send(webOrder(++webN, random));

  // Runs until aborted, the duration is up, or the bus dies on its own.
  let busDied: ExitStatus | undefined;
  let stopping = false;
  await new Promise<void>((resolve) => {
    const done = () => resolve();
    if (o.signal?.aborted) return done();
    o.signal?.addEventListener('abort', done, { once: true });
    if (o.durationMs !== undefined) timers.push(setTimeout(done, o.durationMs));
    void bus.exited.then((status) => {
      if (stopping) return;
      busDied = status;
      done();
    });
  });
  stopping = true;
  timers.forEach((t) => clearTimeout(t));
  // No more readings: those published from now on would find no bus to route them.
  await brokerSystems.devices?.close();

  log('');
  log(busDied ? `the bus stopped on its own (${describeExit(busDied)}); stopping the demo` : 'stopping: no more orders');
  // Answers still on their way are worth waiting for briefly; after that they are aborted.
  const grace = setTimeout(() => requests.abort(), 3_000);
  await Promise.allSettled([...inFlight]);
  clearTimeout(grace);
  const exit = busDied ?? (await bus.stop(BUS_STOP_GRACE_MS));
  log(`bus stopped (${describeExit(exit)})`);
  // Pick requests the bus published before it stopped are handled, and the order files it wrote read; then the counts
  // are final.
  await brokerSystems.close();
  await legacyWarehouse.close();
  summary();

  const clean = !busDied && (exit.code === 0 || exit.signal === 'SIGTERM');
  const accepted = tallies.web.accepted + tallies.legacy.accepted + tallies.soap.accepted;
  if (!clean) log('the bus did not stop cleanly');
  if (accepted === 0) log('the bus accepted no order: are the sample routes loaded (ROUTES_DIR)?');
  return clean && accepted > 0 ? 0 : 1;
}
