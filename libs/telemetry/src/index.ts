export * from './bus-metrics';
export * from './bus-observer';
export * from './bus-telemetry';
export type { DeliveryRef } from './delivery-tracker';
export * from './live.types';
export { LATENCY_RELATIVE_ERROR } from './log-histogram';
export * from './resilience-metrics';
