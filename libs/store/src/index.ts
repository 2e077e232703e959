export { createStore, type StoreOptions } from './create-store';
export * from './store.types';
export type { Lease, LeaseStore } from './lease.types';
export { IDEMPOTENT_KEY_MAX, type IdempotentEntry, type IdempotentOutcome, type IdempotentRepository } from './idempotent.types';
export { JournalRetention, retentionInterval, PURGE_LEASE, type JournalRetentionOptions } from './journal-retention';
export type * from './correlation.types';
