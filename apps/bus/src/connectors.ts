import { amqpConnector, connectorList, httpConnector, kafkaConnector, mqttConnector, soapConnector } from '@junction/connectors';

/**
 * The connectors this bus runs with: the one list that the runtime, `junction validate`, `junction test` and the
 * JSON Schema export all take. Adding a connector is its folder under libs/connectors and one line here.
 */
export const CONNECTORS = connectorList([httpConnector, soapConnector, kafkaConnector, amqpConnector, mqttConnector]);
