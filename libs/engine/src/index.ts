export * from './bus-runtime';
export * from './exchange';
export * from './outbox-worker';
export * from './route-table';
export * from './deliverer';
export * from './resilience/resilience';
export * from './resilience/circuit-breaker';
export * from './aggregation-completer';
