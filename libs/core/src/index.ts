export * from './errors';
export * from './ids';
export * from './duration';
export * from './body';
export * from './message';
export * from './connector';
export * from './logger';
export * from './trace-context';
