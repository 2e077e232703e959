import { z } from 'zod';
import { topicFilterProblem, topicNameProblem } from './mqtt-topics';

/**
 * Route file schema of the MQTT connector: topic filters as a route's source (one client session per route), a topic
 * as a target. The broker defaults to the MQTT_URL setting. Credentials come from the URL or from `username` and
 * `password`, written as ${ENV} placeholders so that route files hold no secrets; they are never logged or shown.
 */

const text = z.string().min(1);
const url = z
  .url({ protocol: /^(mqtts?|wss?)$/, error: 'expected an mqtt://, mqtts://, ws:// or wss:// URL' })
  .describe('Broker URL (mqtt://, mqtts://, ws://, wss://); default: the MQTT_URL setting.');
const qos = z.union([z.literal(0), z.literal(1)]);
const protocolVersion = z
  .union([z.literal(4), z.literal(5)])
  .default(5)
  .describe('MQTT protocol: 4 (3.1.1) or 5. User properties, content type and correlation data need 5.');

/** The broker and credentials, alike for sources and targets. */
const connection = {
  url: url.optional(),
  username: text.optional().describe('User name; give it as an ${ENV} placeholder.'),
  password: text.optional().describe('Password; give it as an ${ENV} placeholder.'),
  protocolVersion,
};

const filter = text.superRefine((f, ctx) => {
  const problem = topicFilterProblem(f);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const MqttSourceSchema = z
  .strictObject({
    ...connection,
    topics: z
      .union([filter, z.array(filter).min(1)])
      .transform((t) => (Array.isArray(t) ? t : [t]))
      .describe('Topic filter(s) to subscribe to: `+` matches one level, `#` the rest (last level only).'),
    qos: qos.default(1).describe('QoS of the subscription: 1 (at least once, acknowledged after the bus took it) or 0.'),
    clientId: z
      .string()
      .regex(/^[A-Za-z0-9._:-]{1,128}$/, { error: 'expected 1 to 128 letters, digits, . _ : -' })
      .optional()
      .describe('Client id, which names the broker session; default `junction-<route id>`. Keep it stable across restarts.'),
    cleanSession: z
      .boolean()
      .default(false)
      .describe('Start without a session. Default false: QoS 1 messages published while the bus is down wait at the broker.'),
    sessionExpirySeconds: z
      .int()
      .min(0)
      .max(4_294_967_295)
      .optional()
      .describe('MQTT 5: how long the broker keeps the session after a disconnect; default: for ever (as in 3.1.1).'),
  })
  .describe('Messages from MQTT topic filters, at least once with QoS 1: PUBACK only after the bus took the message.');

export const MqttTargetSchema = z
  .strictObject({
    ...connection,
    topic: text.optional().describe('Topic to publish to (no wildcards).'),
    topicExpr: text.optional().describe('JSONata giving the topic from the message ($headers and $messageId are bound).'),
    qos: qos.default(1).describe('QoS of the publish: 1 resolves once the broker acknowledged it (PUBACK), 0 once written.'),
    retain: z.boolean().default(false).describe('Ask the broker to keep the message as the topic\'s retained one.'),
    properties: z.record(text, z.string()).default({}).describe('MQTT 5 user properties added to every message.'),
    timeoutMs: z.int().min(1).max(600_000).default(10_000).describe('Time allowed to connect and for the broker to acknowledge.'),
  })
  .superRefine((v, ctx) => {
    if ((v.topic === undefined) === (v.topicExpr === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'expected exactly one of topic, topicExpr' });
    }
    const problem = v.topic === undefined ? undefined : topicNameProblem(v.topic);
    if (problem) ctx.addIssue({ code: 'custom', path: ['topic'], message: problem });
  })
  .describe('Publishes the message to an MQTT topic; MQTT 5 user properties carry its headers and trace.');

export type MqttSourceDef = z.output<typeof MqttSourceSchema>;
export type MqttTargetDef = z.output<typeof MqttTargetSchema>;
/** What locates a broker and signs in to it: the part of a source or target both sides connect with. */
export type MqttConnectionDef = Pick<MqttSourceDef, 'url' | 'username' | 'password' | 'protocolVersion'>;
