import type { TargetDef } from '@junction/config';
import { StepError } from '@junction/core';
import { bodyFromValue } from '@junction/transform';
import type { Runner } from '../compiled-route';
import type { CompileContext, DefPath } from '../compile-context';
import { bindingsOf, expressionAt } from './expressions';
import { copyFor } from './flow-compiler';

/**
 * Content enricher: calls the target with the message, then merges the reply into the body. `into` puts the reply
 * under that key; `merge` is a JSONata expression over `{ body, reply }`; by default the reply's fields are merged
 * over the body's. A failed call fails the step (after the target's own retries): the message is dead-lettered.
 */
export function compileEnrich(
  ctx: CompileContext,
  def: { target: TargetDef; merge?: string; into?: string },
  path: DefPath,
  next: Runner,
): Runner {
  const target = ctx.target(def.target, [...path, 'target']);
  const merge = def.merge !== undefined ? expressionAt(ctx, def.merge, [...path, 'merge']) : undefined;
  const { into } = def;
  const { codec, routeId } = ctx;
  return async (m, flow) => {
    const copy = await copyFor(target, m);
    const reply = await flow.call(target, copy.message, copy.address);
    const body = m.body.value();
    const got = reply.body.bytes().length === 0 ? null : reply.body.value();
    let merged: unknown;
    if (merge) merged = await merge.evaluate({ body, reply: got }, bindingsOf(m, routeId));
    else if (into !== undefined) merged = { ...asObject(body, 'body'), [into]: got };
    else merged = { ...asObject(body, 'body'), ...asObject(got, 'reply') };
    m.hop('enrich', target.id);
    return next(m.withBody(bodyFromValue(merged, 'json', codec)), flow);
  };
}

function asObject(value: unknown, what: string): Record<string, unknown> {
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new StepError('enrich', `the ${what} is not an object; use "into" or "merge"`);
  }
  return value as Record<string, unknown>;
}
