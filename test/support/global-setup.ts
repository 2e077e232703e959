import { ensureKafkaBroker } from '../../libs/testing/src/kafka-broker';

/**
 * Jest global setup of the end-to-end suites: a real Kafka broker (started from the project's Maven-fetched jars, or
 * the one KAFKA_BROKERS names). Workers are started after this and inherit KAFKA_BROKERS.
 */
export default async function globalSetup(): Promise<void> {
  const broker = await ensureKafkaBroker();
  process.env.KAFKA_BROKERS = broker.brokers.join(',');
  (globalThis as { junctionKafka?: typeof broker }).junctionKafka = broker;
}
