export * from './http/http.connector';
export * from './registry';
