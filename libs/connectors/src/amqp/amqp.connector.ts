import type { ConnectorModule } from '../shared/connector-module';
import { expressionReadsBody } from '@junction/transform';
import { AmqpSourceSchema, AmqpTargetSchema, amqpSourceKey, checkAmqpSource, checkAmqpTarget, type AmqpSourceDef, type AmqpTargetDef } from './amqp.config';
import { AmqpEgress } from './amqp.egress';
import { AmqpIngress } from './amqp.ingress';

/** RabbitMQ and other AMQP 0-9-1 brokers: queues consumed with manual acknowledgements; exchanges published to with confirms. */
export const amqpConnector: ConnectorModule<AmqpSourceDef, AmqpTargetDef> = {
  kind: 'amqp',
  title: 'RabbitMQ (AMQP 0-9-1) queues and exchanges: manual acknowledgements, publisher confirms',
  source: AmqpSourceSchema,
  target: AmqpTargetSchema,
  settings: ['AMQP_URL'],
  // Two routes on one queue would be competing consumers, each seeing part of the messages.
  sourceKeys: (config) => [amqpSourceKey(config)],
  // The body goes out as its bytes; only a routing key expression that reads the body needs it parsed.
  sendsBytesAsIs: (config) => !expressionReadsBody(config.routingKeyExpr),
  check: { source: checkAmqpSource, target: checkAmqpTarget },
  // A declared dead-letter exchange gets what an async route's steps refuse too (the broker only sees what the ingress
  // rejects): published there with the dead-letter routing key, or the message's own, as the broker would.
  deadLetterTarget: (s) => {
    const dlx = s.declare?.deadLetterExchange;
    if (dlx === undefined) return undefined;
    const key = s.declare?.deadLetterRoutingKey;
    return { ...(s.url ? { url: s.url } : {}), exchange: dlx, ...(key !== undefined ? { routingKey: key } : { routingKeyExpr: "$headers.'amqp-routing-key'" }) };
  },
  create: ({ settings, log }) => ({
    ingress: new AmqpIngress({ url: settings.AMQP_URL, log }),
    // Named by instance, so that an operator can tell which bus a publishing connection belongs to.
    egress: new AmqpEgress({ url: settings.AMQP_URL, log, connectionName: `junction egress ${settings.INSTANCE_ID ?? `pid ${process.pid}`}` }),
  }),
};
