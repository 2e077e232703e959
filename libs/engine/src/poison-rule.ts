import { toBusError } from '@junction/core';
import type { Failure } from '@junction/store';

/** Last errors kept for the reasons of poison dead letters; the oldest go first. */
const REMEMBERED_ERRORS = 1000;

/**
 * When the outbox gives work up as poison (routing a received message, or a delivery), so that no message is claimed
 * again and again for ever, never delivered and never dead-lettered:
 * - work that throws an error that is not retriable (a RangeError from a deeply nested body, a bug, a body no target
 *   format can hold) is dead-lettered at once with that error as its reason: the same input fails the same way again;
 * - work claimed more than `maxClaims` times without an outcome is dead-lettered at its next claim, without running
 *   it again. That is work which crashed or hung its worker (the process died, the lease ran out) or kept failing with
 *   a retriable error. The store counts the claims on the row, so the count survives restarts and holds across
 *   instances; an ordinary crash costs one claim, well within the limit.
 * Outcomes the route decides (a step failed, a target refused) are not poison: they are dead-lettered as before.
 */
export class PoisonRule {
  /** Last retriable error per message or delivery id, for the reason of a later poison dead letter. */
  private readonly lastErrors = new Map<string, string>();

  constructor(readonly maxClaims: number) {}

  /** The reason to dead-letter work claimed `claims` times (this claim included) with, or undefined while it may
   *  still run. */
  overClaimed(id: string, claims: number): Failure | undefined {
    if (claims <= this.maxClaims) return undefined;
    const last = this.lastErrors.get(id);
    this.lastErrors.delete(id);
    const message =
      `claimed ${claims} times without an outcome (POISON_MAX_CLAIMS is ${this.maxClaims}): the work crashed, hung ` +
      `or failed each time${last === undefined ? '' : `; last error: ${last}`}`;
    return { code: 'POISON', message };
  }

  /**
   * What to do when work on `id` threw `err`: the reason to dead-letter it with now, or undefined when the error is
   * retriable (the caller rethrows: the lease runs out and the next claim counts).
   */
  failed(id: string, err: unknown): Failure | undefined {
    const error = toBusError(err);
    if (!error.retriable) {
      this.lastErrors.delete(id);
      return { code: error.code, message: error.message };
    }
    this.lastErrors.delete(id);
    this.lastErrors.set(id, `${error.code}: ${error.message}`);
    if (this.lastErrors.size > REMEMBERED_ERRORS) this.lastErrors.delete(this.lastErrors.keys().next().value!);
    return undefined;
  }

  /** The work on `id` reached an outcome: its last error no longer matters. */
  done(id: string): void {
    this.lastErrors.delete(id);
  }
}
