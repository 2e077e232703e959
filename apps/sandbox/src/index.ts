/** The sandbox as a library, for the demo and for end-to-end tests (`test/` imports it from here). */
export { startSandbox, type Sandbox, type SandboxOptions } from './sandbox.server';
export type { ReceivedRequest, SystemCounts } from './sandbox.recorder';
export { SandboxRecorder } from './sandbox.recorder';
export { DELAY_HEADER, FAIL_HEADER, FaultInjector, type InjectedFault } from './sandbox.faults';
export { SYSTEM_NAMES, type SystemName } from './sandbox.http';
export { CRM_CUSTOMERS, type CrmCustomer } from './crm.system';
export { ERP_SOAP_PATH, FAULT_200_HEADER } from './erp-soap.system';
export { ERP_OPERATIONS, ERP_WSDL_NAMES, type ErpOperation } from './erp-soap.operations';
export type { UsernameCredentials } from './sandbox.wssecurity';
export type { ErpOrderEvent, OrderAcceptedEvent, OrderShippedEvent } from './erp.events';
export type { ErpEventsKafkaConfig } from './erp-events.kafka';
export { AmqpWarehouse, DEFAULT_WAREHOUSE_NAMES, type WarehouseAmqpConfig, type WarehouseCounts, type WarehouseNames } from './warehouse.amqp';
export { WarehouseStock, type PickRequest, type WarehouseEvent } from './warehouse.stock';
export { MqttDeviceFeed, alertTopic, telemetryTopic, type DeviceFeedConfig, type DeviceFeedCounts } from './devices.mqtt';
export { DEVICES, DeviceSimulator, type TelemetryReading } from './devices.telemetry';
export { LegacyWarehouseFiles, legacyWarehouseSummaryLine, type LegacyWarehouseCounts, type LegacyWarehouseOptions } from './legacy-warehouse.files';
export { LEGACY_ORDER_FORMAT, LEGACY_STOCK_FORMAT, type LegacyOrderLine } from './legacy-warehouse.formats';
