import { SqlStore } from './sql-store';
import { parseStoreUrl } from './store-url';
import type { Store, StoreLogger } from './store.types';

export interface StoreOptions {
  /** `sqlite:./data/junction.db` (a file; its folder is created), `sqlite::memory:`, or
   *  `postgres://user@host:port/db?schema=name` (the schema, optional, is created when missing). */
  url: string;
  /** The lease owner written by this instance's claims; a random id by default. */
  instanceId?: string;
  logger?: StoreLogger;
}

/** Creates the store for a URL. No I/O: call `init` to connect and migrate. Throws ConfigError for a bad URL. */
export function createStore(options: StoreOptions): Store {
  return new SqlStore(parseStoreUrl(options.url), { instanceId: options.instanceId, logger: options.logger });
}
