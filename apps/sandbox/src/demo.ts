import { resolve } from 'node:path';
import { readDemoEnv } from './sandbox.env';
import { DEMO_DEFAULTS, runDemo } from './demo/demo-runner';

/**
 * `npm run demo`: the sandbox, the bus as a child process, and a trickle of sample orders through it. Env: PORT (bus,
 * 8080), SANDBOX_PORT (4010), SANDBOX_FAILURE_RATE (0.05), SANDBOX_ERP_USER / SANDBOX_ERP_PASSWORD (erp / erp-secret,
 * the ERP SOAP service's WS-Security user, passed on to the bus too), DEMO_DURATION_MS (run until Ctrl-C), DEMO_SEED,
 * KAFKA_BROKERS (the broker looked for at start, default 127.0.0.1:9092: when it answers, the ERP publishes order events
 * to SANDBOX_ERP_EVENTS_TOPIC, default erp.order-events, and the bus is told both), AMQP_URL (the RabbitMQ looked for,
 * default amqp://guest:guest@127.0.0.1:5672: when it answers, the sandbox's warehouse runs there, and the web shop
 * releases the orders the bus accepted for picking), MQTT_URL (the MQTT broker looked for, default
 * mqtt://127.0.0.1:1883: when it answers, simulated devices publish telemetry there), LEGACY_WAREHOUSE_DIR (the legacy
 * warehouse's folder, default ./data/legacy-warehouse: it drops stock CSVs there and reads the order files the bus
 * writes; the bus is told the same folder); the bus also gets everything
 * else (ROUTES_DIR, DATABASE_URL...). The first Ctrl-C stops in order; a second one exits at once.
 */
async function main(): Promise<number> {
  const env = readDemoEnv(process.env, DEMO_DEFAULTS);
  // This file runs as dist/apps/sandbox/src/demo.js; the bus is built beside it.
  const busEntry = resolve(__dirname, '../../bus/src/main.js');
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop.signal.aborted) {
      console.log(`demo: ${signal} again, exiting now`);
      process.exit(130);
    }
    console.log(`\ndemo: ${signal}, stopping (again to exit at once)`);
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  console.log(`Junction demo (seed ${env.seed})`);
  return runDemo({
    ...DEMO_DEFAULTS,
    ...env,
    busCommand: process.execPath,
    busArgs: [busEntry],
    busEntry,
    busEnv: process.env,
    cwd: process.cwd(),
    log: (line) => console.log(line),
    signal: stop.signal,
  });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`demo: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
