import type { CheckProblem } from '@junction/config';
import { toBusError } from '@junction/core';
import { compileExpression } from '@junction/transform';
import { z } from 'zod';
import { isAmqpUrl, safeUrl } from './amqp-url';

/**
 * Route file schema of the AMQP 0-9-1 (RabbitMQ) connector: a queue as a route's source, an exchange as a target.
 * The broker's URL defaults to the AMQP_URL setting; a password belongs in `${ENV}` or that setting, never in the file.
 */

/** AMQP short strings (queue, exchange, routing key) hold at most 255 bytes. */
const SHORT_MAX = 255;
const text = z.string().min(1).max(SHORT_MAX);
const amqpUrl = z
  .url({ protocol: /^amqps?$/, error: 'expected an amqp:// or amqps:// URL' })
  .describe('amqp://user:password@host:5672/vhost or amqps://...; default: the AMQP_URL setting. Put the password in ${ENV}.');

const BindingSchema = z.strictObject({
  exchange: text.describe('Exchange to bind the queue to (it must exist; the default exchange cannot be bound).'),
  routingKey: z.string().max(SHORT_MAX).default('').describe('Binding key (a pattern on a topic exchange).'),
});

const DeclareSchema = z.strictObject({
  deadLetterExchange: z
    .string()
    .max(SHORT_MAX)
    .optional()
    .describe('Exchange that messages refused by the route go to (x-dead-letter-exchange; "" is the default exchange).'),
  deadLetterRoutingKey: z.string().max(SHORT_MAX).optional().describe('Routing key they go with (x-dead-letter-routing-key).'),
  bindings: z.array(BindingSchema).default([]).describe('Bindings declared with the queue.'),
});

export const AmqpSourceSchema = z
  .strictObject({
    url: amqpUrl.optional(),
    queue: text.describe('The queue to consume.'),
    declare: z
      .union([z.boolean(), DeclareSchema])
      .default(false)
      .transform((d) => (d === false ? undefined : d === true ? { bindings: [] } : d))
      .describe('Declare the queue (durable) with its dead-letter arguments and bindings; `false` (default): the queue must exist.'),
    prefetch: z.int().min(1).max(65_535).default(100).describe('Messages delivered to the bus before it acknowledged any (1: strict order).'),
  })
  .describe('Messages from a RabbitMQ queue, at least once: a message is acknowledged only after the bus took it.');

export const AmqpTargetSchema = z
  .strictObject({
    url: amqpUrl.optional(),
    exchange: z.string().max(SHORT_MAX).default('').describe('Exchange to publish to; "" (default) is the default exchange, which routes by queue name.'),
    routingKey: z.string().max(SHORT_MAX).optional().describe('Routing key (with the default exchange: the queue name).'),
    routingKeyExpr: z.string().min(1).optional().describe('JSONata giving the routing key from the message, instead of `routingKey`.'),
    headers: z.record(text, z.string()).default({}).describe('AMQP headers added to every message.'),
    persistent: z.boolean().default(true).describe('Delivery mode 2: the broker writes the message to disk in a durable queue.'),
    mandatory: z.boolean().default(true).describe('A message no queue takes is returned and fails without retry, instead of being dropped.'),
    timeoutMs: z.int().min(1).max(600_000).default(10_000).describe('Time allowed for the broker to confirm the message.'),
  })
  .superRefine((v, ctx) => {
    if (v.routingKey !== undefined && v.routingKeyExpr !== undefined) {
      ctx.addIssue({ code: 'custom', message: 'expected one of routingKey, routingKeyExpr' });
    }
  })
  .describe('Publishes the message to an exchange with publisher confirms: delivered once the broker confirmed it.');

export type AmqpSourceDef = z.output<typeof AmqpSourceSchema>;
export type AmqpTargetDef = z.output<typeof AmqpTargetSchema>;
export type AmqpDeclareDef = z.output<typeof DeclareSchema>;

/**
 * The address a source claims: its broker and virtual host (credentials removed) and its queue, so that two routes
 * never share a queue as competing consumers. A source without a url stands for the AMQP_URL setting. Called with the
 * config as written too (placeholders, no defaults), so it never throws.
 */
export function amqpSourceKey(config: { url?: unknown; queue?: unknown }): string {
  const url = typeof config.url === 'string' ? safeUrl(config.url) : 'AMQP_URL';
  return `amqp ${url} ${String(config.queue)}`;
}

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/** Offline checks of a source: the URL, the queue name, the dead-letter arguments and the bindings. */
export function checkAmqpSource(config: AmqpSourceDef): CheckProblem[] {
  const problems: CheckProblem[] = [];
  if (config.url !== undefined && !isAmqpUrl(config.url)) problems.push({ path: ['url'], message: 'expected an amqp:// or amqps:// URL with a host' });
  if (bytes(config.queue) > SHORT_MAX) problems.push({ path: ['queue'], message: `a queue name holds at most ${SHORT_MAX} bytes` });
  const declare = config.declare;
  if (!declare) return problems;
  if (config.queue.startsWith('amq.')) problems.push({ path: ['queue'], message: 'queue names starting with "amq." are reserved by the broker' });
  if (declare.deadLetterRoutingKey !== undefined && declare.deadLetterExchange === undefined) {
    problems.push({ path: ['declare', 'deadLetterRoutingKey'], message: 'expected with deadLetterExchange' });
  }
  const seen = new Set<string>();
  declare.bindings.forEach((b, i) => {
    const key = `${b.exchange}\u0000${b.routingKey}`;
    if (seen.has(key)) problems.push({ path: ['declare', 'bindings', i], message: `binding to ${b.exchange} with "${b.routingKey}" given twice` });
    seen.add(key);
    if (bytes(b.exchange) > SHORT_MAX) problems.push({ path: ['declare', 'bindings', i, 'exchange'], message: `at most ${SHORT_MAX} bytes` });
    if (bytes(b.routingKey) > SHORT_MAX) problems.push({ path: ['declare', 'bindings', i, 'routingKey'], message: `at most ${SHORT_MAX} bytes` });
  });
  return problems;
}

/** Offline checks of a target: the URL, the lengths, and that the routing key expression compiles. */
export function checkAmqpTarget(config: AmqpTargetDef): CheckProblem[] {
  const problems: CheckProblem[] = [];
  if (config.url !== undefined && !isAmqpUrl(config.url)) problems.push({ path: ['url'], message: 'expected an amqp:// or amqps:// URL with a host' });
  if (bytes(config.exchange) > SHORT_MAX) problems.push({ path: ['exchange'], message: `at most ${SHORT_MAX} bytes` });
  if (config.routingKey !== undefined && bytes(config.routingKey) > SHORT_MAX) problems.push({ path: ['routingKey'], message: `at most ${SHORT_MAX} bytes` });
  if (config.routingKeyExpr !== undefined) {
    try {
      compileExpression(config.routingKeyExpr);
    } catch (err) {
      problems.push({ path: ['routingKeyExpr'], message: toBusError(err).message });
    }
  }
  return problems;
}
