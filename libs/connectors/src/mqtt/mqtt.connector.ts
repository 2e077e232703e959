import { ConfigError } from '@junction/core';
import { compileExpression, expressionReadsBody } from '@junction/transform';
import type { ConnectorModule } from '../shared/connector-module';
import { shownUrl } from './mqtt-connection';
import { MqttSourceSchema, MqttTargetSchema, type MqttSourceDef, type MqttTargetDef } from './mqtt.config';
import { MqttEgress } from './mqtt.egress';
import { MqttIngress } from './mqtt.ingress';

/** MQTT 3.1.1 and 5 brokers: topic filters subscribed to as sources (a persistent session per route), topics as targets. */
export const mqttConnector: ConnectorModule<MqttSourceDef, MqttTargetDef> = {
  kind: 'mqtt',
  title: 'MQTT topics (3.1.1 and 5, QoS 0 and 1, persistent sessions)',
  source: MqttSourceSchema,
  target: MqttTargetSchema,
  settings: ['MQTT_URL'],
  // A session is named by its broker and client id: two routes with one would take it from each other. A client id
  // left to its default is derived from the route id, which is unique; the ingress checks those when routes load.
  // The payload goes out as the body's bytes; only a topic expression that reads the body needs it parsed.
  sendsBytesAsIs: (t) => !expressionReadsBody(t.topicExpr),
  sourceKeys: (s) => (s.clientId === undefined ? [] : [`mqtt ${s.url === undefined ? 'MQTT_URL' : shownUrl(s.url)} ${s.clientId}`]),
  check: {
    target: (config) => {
      if (config.topicExpr === undefined) return [];
      try {
        compileExpression(config.topicExpr);
        return [];
      } catch (err) {
        return [{ path: ['topicExpr'], message: err instanceof ConfigError ? err.problems[0] : String(err) }];
      }
    },
  },
  create: ({ settings, log }) => ({
    ingress: new MqttIngress(settings.MQTT_URL, log),
    egress: new MqttEgress(settings.MQTT_URL),
  }),
};

