import * as connectors from '@junction/connectors';

/**
 * The connectors this bus runs with: the one list that the runtime, `junction validate`, `junction test` and the
 * JSON Schema export all take. Adding a connector is its folder under libs/connectors (exported from the package's
 * index) and one line here.
 */
export const CONNECTORS = connectors.connectorList([
  connectors.httpConnector,
  connectors.soapConnector,
  connectors.kafkaConnector,
  connectors.amqpConnector,
  connectors.mqttConnector,
  connectors.scheduleConnector,
  connectors.sqlConnector,
  connectors.fileConnector,
  connectors.sftpConnector,
  connectors.ftpConnector,
]);
