/** Stops the broker the global setup started (one named by KAFKA_BROKERS is left alone). */
export default async function globalTeardown(): Promise<void> {
  const broker = (globalThis as { junctionKafka?: { stop(): Promise<void> } }).junctionKafka;
  await broker?.stop();
}
