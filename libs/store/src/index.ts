export { createStore, type StoreOptions } from './create-store';
export * from './store.types';
