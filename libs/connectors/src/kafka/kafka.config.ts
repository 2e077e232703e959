import { z } from 'zod';

/**
 * Route file schema of the Kafka connector: topics as a route's source (through a consumer group), a topic as a
 * target. Brokers default to the KAFKA_BROKERS setting.
 */

const text = z.string().min(1);
const broker = z.string().regex(/^[A-Za-z0-9.\-[\]:]+:\d+$/, { error: 'expected host:port' });
/** Brokers as a list, or as one comma-separated string (so that `${KAFKA_BROKERS}` fits). */
const brokers = z
  .union([z.array(broker).min(1), z.string().regex(/^[A-Za-z0-9.\-[\]:]+:\d+(,[A-Za-z0-9.\-[\]:]+:\d+)*$/, { error: 'expected host:port[,host:port...]' })])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')));

export const KafkaSourceSchema = z
  .strictObject({
    topic: text.optional().describe('The topic to consume.'),
    topics: z.array(text).min(1).optional().describe('Several topics.'),
    topicPattern: text.optional().describe('A regular expression: every matching topic.'),
    group: text.describe('Consumer group: instances of the bus with the same group share the partitions.'),
    brokers: brokers.optional().describe('Brokers (a list, or host:port,host:port); default: the KAFKA_BROKERS setting.'),
    fromBeginning: z.boolean().default(false).describe('A new group starts at the oldest message instead of the newest.'),
    deadLetterTopic: text.optional().describe('Where a message the route refuses (bad input) is also copied, with its reason.'),
    concurrency: z.int().min(1).max(64).default(1).describe('Partitions processed at once (order is kept within a partition).'),
  })
  .superRefine((v, ctx) => {
    const given = [v.topic, v.topics, v.topicPattern].filter((x) => x !== undefined).length;
    if (given !== 1) ctx.addIssue({ code: 'custom', message: 'expected exactly one of topic, topics, topicPattern' });
  })
  .describe('Messages from Kafka topics, at least once: an offset is committed only after the bus took the message.');

export const KafkaTargetSchema = z
  .strictObject({
    topic: text.describe('Topic to produce to.'),
    key: text.optional().describe('JSONata giving the message key (same key, same partition, kept in order).'),
    headers: z.record(text, z.string()).default({}).describe('Kafka headers added to every message.'),
    brokers: brokers.optional().describe('Brokers (a list, or host:port,host:port); default: the KAFKA_BROKERS setting.'),
    compression: z.enum(['none', 'gzip']).default('none').describe('Batch compression.'),
    timeoutMs: z.int().min(1).max(600_000).default(30_000).describe('Time allowed for the broker to acknowledge.'),
  })
  .describe('Produces the message to a topic: acks from all in-sync replicas, idempotent producer, batched.');

export type KafkaSourceDef = z.output<typeof KafkaSourceSchema>;
export type KafkaTargetDef = z.output<typeof KafkaTargetSchema>;
