export * from './http/http.connector';
export * from './registry';
export * from './soap/soap.connector';
