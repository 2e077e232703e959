import { InputError } from '@junction/core';
import type { FlatProblem } from './flat-format.types';

/** Problems kept on one error; a file with more says how many it had in all. */
export const MAX_FLAT_PROBLEMS = 100;

/**
 * Flat-file bytes that do not match their format, or records that cannot be written in it. Not retriable (the same
 * input fails again); HTTP status 422. `problems` names each malformed line (on write: each record, as the line it
 * would be written on), in order, up to MAX_FLAT_PROBLEMS; `total` counts them all.
 */
export class FlatFormatError extends InputError {
  constructor(
    readonly problems: readonly FlatProblem[],
    readonly total: number = problems.length,
    what = 'malformed',
  ) {
    super('FLAT_FORMAT', summary(problems, total, what), 422);
  }
}

function summary(problems: readonly FlatProblem[], total: number, what: string): string {
  const first = problems
    .slice(0, 3)
    .map((p) => `line ${p.line}: ${p.message}`)
    .join('; ');
  const more = total > 3 ? `; and ${total - 3} more` : '';
  return `${total} ${what} line${total === 1 ? '' : 's'}: ${first}${more}`;
}

/** Collects problems up to the cap, counting the rest. */
export class ProblemList {
  readonly items: FlatProblem[] = [];
  total = 0;

  add(line: number, message: string): void {
    this.total++;
    if (this.items.length < MAX_FLAT_PROBLEMS) this.items.push({ line, message });
  }

  throwIfAny(what?: string): void {
    if (this.total > 0) throw new FlatFormatError(this.items, this.total, what);
  }
}
