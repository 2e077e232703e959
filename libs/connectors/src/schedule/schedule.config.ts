import { z } from 'zod';
import { DURATION_PATTERN, parseDuration, periodProblem } from './duration';

/**
 * Route file schema of the schedule connector: a source that emits one message per tick, `every` some period or on a
 * `cron` expression. The cron expression and time zone are checked by the connector's offline check (they need
 * cron-parser), the period here.
 */

const headerName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, { error: 'expected an HTTP header name' });
// The pattern also reaches editors through the JSON Schema export; the refinement adds the range, once the text is a
// duration (zod runs it after a failed pattern too).
const period = z
  .string()
  .regex(DURATION_PATTERN, { error: 'expected a duration such as 500ms, 30s, 5m, 1h or 1h30m' })
  .superRefine((text, ctx) => {
    const problem = parseDuration(text) === undefined ? undefined : periodProblem(text);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

export const ScheduleSourceSchema = z
  .strictObject({
    every: period
      .optional()
      .describe('Ticks every period (500ms, 30s, 5m, 1h, 1h30m; at least 100ms), on its multiples counted from 1970-01-01T00:00Z.'),
    cron: z
      .string()
      .min(1)
      .optional()
      .describe('Ticks on a cron expression: 5 fields (minute hour day month weekday), 6 (seconds first) or @hourly, @daily...; H, L, # allowed.'),
    timezone: z.string().min(1).optional().describe('IANA time zone of the cron fields, e.g. Europe/Paris (default UTC).'),
    body: z
      .unknown()
      .optional()
      .describe('The body of every tick\'s message: a string as it is (JSON, XML or text by its first character), anything else as JSON. Default {}.'),
    bodyExpr: z
      .string()
      .min(1)
      .optional()
      .describe('JSONata giving the body at each tick, with $now (ISO time of firing), $scheduledAt (ISO time of the tick) and $tick (its number) bound.'),
    headers: z.record(headerName, z.string()).default({}).describe('Headers of every tick\'s message.'),
    name: z.string().min(1).max(100).optional().describe('A name for the schedule in logs and the status.'),
  })
  .superRefine((v, ctx) => {
    if ((v.every === undefined) === (v.cron === undefined)) ctx.addIssue({ code: 'custom', message: 'expected exactly one of every, cron' });
    if (v.timezone !== undefined && v.cron === undefined) ctx.addIssue({ code: 'custom', path: ['timezone'], message: 'a time zone applies to cron only' });
    if (v.body !== undefined && v.bodyExpr !== undefined) ctx.addIssue({ code: 'custom', path: ['bodyExpr'], message: 'expected body or bodyExpr, not both' });
  })
  .describe('One message per tick, every period or on a cron expression; with several instances, each tick fires on one.');

export type ScheduleSourceDef = z.output<typeof ScheduleSourceSchema>;
