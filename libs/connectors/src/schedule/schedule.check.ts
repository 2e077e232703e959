import type { CheckContext, CheckProblem } from '@junction/config';
import { toBusError } from '@junction/core';
import { compileExpression } from '@junction/transform';
import type { ScheduleSourceDef } from './schedule.config';
import { timingProblems } from './schedule-timing';

/**
 * Offline check of a schedule source, for `junction validate` and every (re)load: the cron expression parses, its
 * time zone exists, the body expression compiles. The route id seeds `H` in cron fields, as at run time.
 */
export function checkScheduleSource(config: ScheduleSourceDef, context: CheckContext): CheckProblem[] {
  const problems: CheckProblem[] = timingProblems(config, context.routeId).map((p) => ({ path: [p.path], message: p.message }));
  if (config.bodyExpr !== undefined) {
    try {
      compileExpression(config.bodyExpr);
    } catch (err) {
      problems.push({ path: ['bodyExpr'], message: toBusError(err).message });
    }
  }
  return problems;
}
