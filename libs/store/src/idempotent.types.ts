import type { NewMessage, Scrubbed } from './store.types';

/** How an idempotent route's message is to be taken: under which key, remembered for how long. */
export interface IdempotentEntry {
  /** The message's key, as the route's key expression gave it (text, at most IDEMPOTENT_KEY_MAX characters). */
  readonly key: string;
  /** How long the key is remembered from this acceptance on (the route's `retention`). */
  readonly retentionMs: number;
  /**
   * The payload to keep when the message turns out to be a duplicate (the route's masked copy); undefined keeps it
   * as it came. Called only for duplicates, while the batch is written.
   */
  readonly duplicateCopy?: () => Scrubbed | undefined;
}

/** What became of a message handed to `acceptOnce`. */
export type IdempotentOutcome =
  | { readonly kind: 'accepted' }
  /** The key was seen within its retention: the message was journaled as `duplicate`, never to be delivered.
   *  `originalId` is the message that holds the key (the one its sender is answered with). */
  | { readonly kind: 'duplicate'; readonly originalId: string };

/** Keys longer than this are refused by the engine before they reach the store (a unique index on text has limits). */
export const IDEMPOTENT_KEY_MAX = 1024;

/**
 * The key set of the Idempotent Consumer (Camel's `IdempotentRepository`), beside the outbox on SQLite and
 * PostgreSQL: one row per (route, key) under a unique index, holding the id of the message that took the key and
 * when the key lapses.
 *
 * Camel's four operations read here as: `add` + `confirm` = `acceptOnce`, which records the key and accepts the
 * message (status 'received', as Store.acceptMessage) in one transaction, so a key is never confirmed without its
 * message nor a message accepted without its key; `contains`; `remove`; and `purgeKeys` for the retention window.
 *
 * Concurrency: of concurrent `acceptOnce` calls with one key, from any number of instances on one database, exactly
 * one is accepted; on PostgreSQL the unique index makes the later ones wait for the first to commit, on SQLite the
 * single writer orders them. A key whose retention ran out counts as unseen: the next message takes it over.
 * Calls are group-committed like Store.acceptMessage, and as durable. Rejects with StoreError when the database
 * cannot be reached: then nothing was recorded (the caller is refused and may resend).
 */
export interface IdempotentRepository {
  /** Accepts `message` under `entry.key` unless the key is held (see IdempotentOutcome). */
  acceptOnce(message: NewMessage, entry: IdempotentEntry): Promise<IdempotentOutcome>;
  /** The id of the message holding `key` on `routeId`, or null when the key is unseen or lapsed. */
  contains(routeId: string, key: string): Promise<string | null>;
  /** Forgets `key` on `routeId`, so that the next message with it is accepted. False when there was none. */
  remove(routeId: string, key: string): Promise<boolean>;
  /** Deletes up to `limit` keys whose retention ran out (oldest first). Resolves with how many went. */
  purgeKeys(limit?: number): Promise<number>;
}
