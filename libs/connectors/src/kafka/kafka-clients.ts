import { ConfigError, type Logger } from '@junction/core';
import { Kafka, logLevel, type LogEntry } from 'kafkajs';

/**
 * The kafkajs clients of the bus, one per broker list, shared by the Kafka ingress and egress. The only place that
 * builds kafkajs objects; their log lines go to the bus's logger.
 */
export class KafkaClients {
  private readonly clients = new Map<string, Kafka>();

  constructor(
    private readonly options: { brokers?: readonly string[]; clientId: string; log: Logger },
  ) {}

  /** The brokers of a source or target: its own, else the KAFKA_BROKERS setting. */
  brokers(own: readonly string[] | undefined): string[] {
    const brokers = own ?? this.options.brokers;
    if (!brokers || brokers.length === 0) throw new ConfigError('no Kafka brokers: set KAFKA_BROKERS or give brokers');
    return [...brokers];
  }

  client(brokers: readonly string[]): Kafka {
    const key = brokers.join(',');
    let kafka = this.clients.get(key);
    if (!kafka) {
      const log = this.options.log;
      kafka = new Kafka({
        clientId: this.options.clientId,
        brokers: [...brokers],
        logLevel: logLevel.WARN,
        logCreator:
          () =>
          ({ level, log: entry }: LogEntry) => {
            const { message, ...rest } = entry;
            // An unreachable broker is reported once per route by the ingress, and a group still electing its coordinator
            // sorts itself out: kafkajs retries those, quietly.
            if (/connect|ECONNREFUSED|ENOTFOUND|Connection error|coordinator is not available|leader/i.test(`${message} ${String(rest.error ?? '')}`)) log.debug({ kafka: rest }, message);
            else if (level <= logLevel.ERROR) log.error({ kafka: rest }, message);
            else log.warn({ kafka: rest }, message);
          },
        retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 10_000 },
      });
      this.clients.set(key, kafka);
    }
    return kafka;
  }
}
