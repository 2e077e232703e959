import { parseDuration } from '@junction/core';
import { z } from 'zod';

const expression = z.string().min(1, { error: 'expected a JSONata expression' });
const duration = (what: string) =>
  z
    .string()
    .refine((s) => (parseDuration(s) ?? -1) >= 1, { error: 'expected a duration such as 500ms, 30s, 10m or 1h' })
    .describe(what);

/**
 * When an aggregation group is complete: any of the criteria given (at least one) completes it. Camel's
 * completionSize, completionTimeout (since the last part), completionInterval (since the first part),
 * completionPredicate and completionFromBatchConsumer (here: a splitter's parts all in).
 */
export const AggregateCompletionSchema = z
  .strictObject({
    size: z.int().min(1).max(100_000).optional().describe('Complete once the group holds this many parts.'),
    timeout: duration('Complete with the parts held so far this long after the first or last part (`since`).').optional(),
    since: z.enum(['first', 'last']).optional().describe('What `timeout` counts from: the first part (default) or the last.'),
    when: expression
      .optional()
      .describe('JSONata over the array of part bodies (with `$size` the number of parts): complete when true.'),
    split: z
      .literal(true)
      .optional()
      .describe("Complete when a splitter's parts are all in: as many parts as the `x-split-size` header says."),
  })
  .refine((c) => c.size !== undefined || c.timeout !== undefined || c.when !== undefined || c.split !== undefined, {
    error: 'expected at least one completion: size, timeout, when or split',
  })
  .refine((c) => c.since === undefined || c.timeout !== undefined, { error: '`since` goes with `timeout`' })
  .meta({ id: 'AggregateCompletion', description: 'When a group is complete: any of size, timeout, when, split.' });

/** The `aggregate` step (EIP Aggregator): holds parts in groups by correlation key, and goes on with one message. */
export const AggregateStepSchema = z
  .strictObject({
    correlation: expression.describe('JSONata on each part: the key of its group (e.g. `orderId`).'),
    completion: AggregateCompletionSchema,
    aggregate: z
      .union([
        expression.describe('JSONata over the array of part bodies; its result is the aggregate (JSON).'),
        z.strictObject({ xml: z.strictObject({ root: z.string().min(1).describe('Root element around the parts.') }) }),
        z.strictObject({
          csv: z.strictObject({
            header: z.boolean().default(false).describe('Each part starts with a header line: kept from the first part only.'),
          }),
        }),
      ])
      .optional()
      .describe('How the parts become one message: JSONata over the array of part bodies, `{ xml: { root } }` or `{ csv: { header } }`; default: the JSON array of the parts.'),
    timeout: duration('A group not complete this long after its first part is dead-lettered with its parts.').default('10m'),
  })
  .meta({ id: 'Aggregate', description: 'Aggregator: holds messages in groups by correlation key until complete, then goes on with one.' });

export type AggregateStepDef = z.output<typeof AggregateStepSchema>;
