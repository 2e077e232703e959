import { ensureKafkaBroker } from '../../libs/testing/src/kafka-broker';
import { missingServices } from './services';

/**
 * Jest global setup of the end-to-end suites: a real Kafka broker (started from the project's Maven-fetched jars, or
 * the one KAFKA_BROKERS names). Workers are started after this and inherit KAFKA_BROKERS. The machine's own services
 * (PostgreSQL, RabbitMQ, Mosquitto) are checked first: a missing one stops the run at once with the command that
 * starts it, rather than as time-outs scattered over the suites.
 */
export default async function globalSetup(): Promise<void> {
  const missing = await missingServices();
  if (missing.length > 0) throw new Error(`the end-to-end suites need these services:\n  ${missing.join('\n  ')}`);
  const broker = await ensureKafkaBroker();
  process.env.KAFKA_BROKERS = broker.brokers.join(',');
  (globalThis as { junctionKafka?: typeof broker }).junctionKafka = broker;
}
