import { ConfigError, type Logger } from '@junction/core';
import type * as KafkaJs from 'kafkajs';
import type { ConsumerConfig, Kafka, LogEntry } from 'kafkajs';

let kafkajsModule: typeof KafkaJs | undefined;

/** kafkajs, loaded when a route first needs a client: a bus whose routes use no Kafka never holds its modules. */
export function kafkajs(): typeof KafkaJs {
  return (kafkajsModule ??= require('kafkajs') as typeof KafkaJs);
}

/**
 * Group timing of every consumer of the bus. A member that was killed never leaves its group: the coordinator waits
 * out its session before it hands its partitions to anyone, and it restarts that wait whenever it loads the group
 * (after a broker restart), so the session is what a restarted bus waits for. 10 s (kafkajs: 30 s) keeps that wait
 * short while staying above the broker's smallest allowed session (6 s). Members heartbeat every second, and at least
 * after every fetch of an idle partition (a fetch waits at most 2 s for records), so a live member is never taken
 * for dead; one that is busy longer with a record heartbeats from the ingress meanwhile. Losing a live member costs
 * redeliveries, never records: offsets are committed only after the bus took them.
 */
export const CONSUMER_TIMING: Pick<ConsumerConfig, 'sessionTimeout' | 'heartbeatInterval' | 'maxWaitTimeInMs'> = {
  sessionTimeout: 10_000,
  heartbeatInterval: 1_000,
  maxWaitTimeInMs: 2_000,
};

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
      const { Kafka, logLevel } = kafkajs();
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
        // Retries of a request or a connection wait at most 2 s: a broker back from a restart is found again within
        // that, rather than after the growing waits of a long outage (the ingress and the outbox retry beyond these).
        retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 2_000 },
      });
      this.clients.set(key, kafka);
    }
    return kafka;
  }
}
