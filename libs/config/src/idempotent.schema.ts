import { parseDuration } from '@junction/core';
import { z } from 'zod';

/** The retention of an idempotent route's keys when it names none. */
export const DEFAULT_IDEMPOTENT_RETENTION = '7d';

/**
 * A route's Idempotent Consumer (EIP; Camel's `idempotentConsumer`): at ingress, before any step, a message whose key
 * the route has seen within `retention` is acknowledged with the id of the message that first had the key, journaled
 * as `duplicate`, and not delivered again. Async routes only: a sync caller waits for a reply that a duplicate cannot
 * give (refused at load).
 */
export const IdempotentSchema = z
  .strictObject({
    key: z
      .string()
      .min(1, { error: 'expected a JSONata expression' })
      .describe('JSONata giving the message\'s key (an order number, `$headers.\'idempotency-key\'`...); a message without one is refused.'),
    retention: z
      .string()
      .default(DEFAULT_IDEMPOTENT_RETENTION)
      .refine((s) => (parseDuration(s) ?? -1) >= 1000, { error: 'expected a duration such as 90s, 12h or 7d (at least 1s)' })
      .describe('How long a key is remembered after the message that took it (default 7d); a key older than this is new again.'),
  })
  .describe('Idempotent Consumer: a message whose key was seen within the retention is acknowledged with the original message id, journaled as `duplicate`, and not delivered again.');

export type IdempotentDef = z.output<typeof IdempotentSchema>;
