export * from './http/http.connector';
export * from './registry';
export * from './soap/soap.connector';
export * from './kafka/kafka.connector';
