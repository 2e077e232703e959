import type { ConnectorModule } from '../shared/connector-module';
import { KafkaClients } from './kafka-clients';
import { KafkaSourceSchema, KafkaTargetSchema, type KafkaSourceDef, type KafkaTargetDef } from './kafka.config';
import { KafkaEgress } from './kafka.egress';
import { KafkaIngress } from './kafka.ingress';

/** Apache Kafka: topics consumed through a consumer group as sources; topics produced to as targets. */
export const kafkaConnector: ConnectorModule<KafkaSourceDef, KafkaTargetDef> = {
  kind: 'kafka',
  title: 'Apache Kafka topics (consumer groups, idempotent producer)',
  source: KafkaSourceSchema,
  target: KafkaTargetSchema,
  settings: ['KAFKA_BROKERS', 'KAFKA_CLIENT_ID'],
  // One consumer per group and subscription: the same again would split the partitions between two routes.
  sourceKeys: (k) => (k.topics ?? [k.topic ?? `/${k.topicPattern}/`]).map((t) => `kafka ${k.group} ${t}`),
  // A step's refusal in the outbox goes to the dead-letter topic too, keyed as the original was.
  deadLetterTarget: (s) => (s.deadLetterTopic ? { topic: s.deadLetterTopic, key: "$headers.'kafka-key'", ...(s.brokers ? { brokers: s.brokers } : {}) } : undefined),
  check: {
    source: (config) => {
      if (config.topicPattern === undefined) return [];
      try {
        new RegExp(config.topicPattern);
        return [];
      } catch (err) {
        return [{ path: ['topicPattern'], message: `not a regular expression: ${(err as Error).message}` }];
      }
    },
  },
  create: ({ settings, log }) => {
    const clients = new KafkaClients({ brokers: settings.KAFKA_BROKERS, clientId: settings.KAFKA_CLIENT_ID, log });
    return { ingress: new KafkaIngress(clients, log), egress: new KafkaEgress(clients) };
  },
};
