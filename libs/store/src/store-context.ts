import type { SqlStatements } from './sql-statements';
import type { StoreLogger } from './store.types';

/** What the write operations of one store share. */
export interface StoreContext {
  readonly statements: SqlStatements;
  /** The lease owner written by this store's claims. */
  readonly instanceId: string;
  readonly logger: StoreLogger;
}
