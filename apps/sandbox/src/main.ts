import { redactUrl } from './broker-url';
import { MqttDeviceFeed, telemetryTopic } from './devices.mqtt';
import { readSandboxEnv } from './sandbox.env';
import { startSandbox } from './sandbox.server';
import { AmqpWarehouse } from './warehouse.amqp';

/**
 * Runs the sandbox on its own: `node dist/apps/sandbox/src/main.js` (SANDBOX_PORT, SANDBOX_HOST, SANDBOX_FAILURE_RATE,
 * SANDBOX_ERP_USER and SANDBOX_ERP_PASSWORD for WS-Security on the ERP's SOAP service, KAFKA_BROKERS and
 * SANDBOX_ERP_EVENTS_TOPIC for the ERP's order events, AMQP_URL for the warehouse on RabbitMQ, MQTT_URL for the device
 * feed).
 */
async function main(): Promise<void> {
  const env = readSandboxEnv(process.env);
  const log = (line: string) => console.log(line);
  const sandbox = await startSandbox({ ...env, log });
  const warehouse = env.warehouse && new AmqpWarehouse({ ...env.warehouse, log });
  const devices = env.devices && new MqttDeviceFeed({ ...env.devices, log });
  const u = sandbox.url;
  console.log(`sandbox listening on ${u}`);
  console.log(`  CRM     POST ${u}/crm/orders, GET ${u}/crm/customers/:id, POST ${u}/crm/customers/lookup, POST ${u}/crm/leads`);
  console.log(`  ERP     POST ${u}/erp/orders, POST ${u}/erp/quotes (XML)`);
  const wsse = env.erpCredentials ? `WS-Security UsernameToken user ${env.erpCredentials.username}` : 'no WS-Security';
  console.log(`  ERP     SOAP 1.1/1.2 ${u}/erp/soap (WSDL ${u}/erp/soap?wsdl): SubmitOrder, GetQuote, NotifyShipment; ${wsse}`);
  const events = env.kafka
    ? `to Kafka topic ${env.kafka.topic} at ${env.kafka.brokers.join(',')}`
    : 'off (set KAFKA_BROKERS to publish them)';
  console.log(`  ERP     order events (OrderAccepted, OrderShipped) ${events}`);
  console.log(`  CRM     POST ${u}/crm/order-events (order events, JSON), POST ${u}/crm/cases (service cases, JSON)`);
  console.log(`  legacy  POST ${u}/legacy/orders (XML)`);
  if (env.warehouse && warehouse) {
    const { pickExchange, eventExchange } = warehouse.names;
    const on = redactUrl(env.warehouse.url);
    console.log(`  warehouse pick requests from exchange ${pickExchange} (pick.<country>), events to ${eventExchange}, on ${on}`);
  } else {
    console.log('  warehouse off (set AMQP_URL to run it on RabbitMQ)');
  }
  if (env.devices && devices) console.log(`  devices   telemetry to ${telemetryTopic(devices.topicRoot, '<id>')} on ${redactUrl(env.devices.url)}`);
  else console.log('  devices   off (set MQTT_URL to publish telemetry over MQTT)');
  console.log(`  record  GET ${u}/_sandbox/received?system=crm|erp|legacy, DELETE ${u}/_sandbox/received`);
  console.log(`  random failure rate ${env.failureRate}; header x-sandbox-fail: 503|500|429|400 fails one request`);
  console.log('  ERP SOAP: header x-sandbox-fault-200: server|client answers a Fault with HTTP 200');
  warehouse?.start();
  devices?.start();
  const stop = (signal: NodeJS.Signals) => {
    console.log(`sandbox: ${signal}, stopping`);
    void Promise.all([devices?.close(), warehouse?.close(), sandbox.close()]).then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`sandbox: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
