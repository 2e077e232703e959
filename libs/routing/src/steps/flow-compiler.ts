import type { StepDef, TargetDef } from '@junction/config';
import { toBusError, type Message } from '@junction/core';
import type { CompiledTarget, Runner, Transformer } from '../compiled-route';
import { fail, type CompileContext, type DefPath } from '../compile-context';
import { compileAggregate } from './aggregate.step';
import { compileChoice } from './choice.step';
import { compileEnrich } from './enrich.step';
import { predicateAt } from './expressions';
import { compileSplit } from './split.step';
import { compileTransform, isTransformStep } from './transform-steps';

/**
 * Compiles steps into one runner, back to front: each step is a function that does its work and calls the next. The
 * chain is built once at load; running a message is just calling it.
 */
export function compileSequence(ctx: CompileContext, steps: readonly StepDef[], path: DefPath, terminal: Runner): Runner {
  let next = terminal;
  for (let i = steps.length - 1; i >= 0; i--) next = compileStep(ctx, steps[i], [...path, i], next) ?? next;
  return next;
}

/** A runner that sends the message to each target (a recipient list). */
export function dispatchTo(ctx: CompileContext, defs: readonly TargetDef[], path: DefPath): Runner {
  const targets: CompiledTarget[] = defs.map((d, i) => ctx.target(d, [...path, i]));
  return async (message, flow) => {
    for (const target of targets) flow.dispatch({ target, ...(await copyFor(target, message)), wireTap: false });
  };
}

/**
 * A target's copy of a message: its own steps applied, then its address resolved on that copy when the target has an
 * address template (before the body is converted to the target's format, so that expressions read JSON as elsewhere).
 */
export async function copyFor(target: CompiledTarget, message: Message): Promise<{ message: Message; address?: string }> {
  const copy = await target.prepare(message);
  return target.address ? { message: copy, address: await target.address(copy) } : { message: copy };
}

function compileStep(ctx: CompileContext, step: StepDef, path: DefPath, next: Runner): Runner | undefined {
  if (isTransformStep(step)) {
    const transform = compileTransform(ctx, step, path);
    if (!transform) return undefined;
    return async (m, flow) => next(await transform(m), flow);
  }
  if (step.filter !== undefined) {
    const keep = predicateAt(ctx, step.filter, [...path, 'filter']);
    if (!keep) return undefined;
    return async (m, flow) => {
      if (await keep(m)) return next(m, flow);
      m.hop('filter', 'dropped');
      flow.filtered(m);
    };
  }
  if (step.wireTap) {
    const target = ctx.target(step.wireTap, [...path, 'wireTap']);
    return async (m, flow) => {
      // The tap's own translation failing must not affect the flow either: the copy is left out and the hop says why.
      let copy: { message: Message; address?: string } | undefined;
      try {
        copy = await copyFor(target, m);
      } catch (err) {
        m.hop('wireTap', `${target.id} skipped: ${toBusError(err).message}`);
      }
      if (copy) {
        flow.dispatch({ target, ...copy, wireTap: true });
        m.hop('wireTap', target.id);
      }
      return next(m, flow);
    };
  }
  if (step.choice) return compileChoice(ctx, step.choice, [...path, 'choice'], next);
  if (step.split) return compileSplit(ctx, step.split as Parameters<typeof compileSplit>[1], [...path, 'split'], next);
  if (step.enrich) return compileEnrich(ctx, step.enrich, [...path, 'enrich'], next);
  if (step.aggregate) return compileAggregate(ctx, step.aggregate, [...path, 'aggregate'], next);
  return fail(ctx, path, 'unknown step');
}

/**
 * A chain of transform steps (reply steps, a target's own steps): one message in, one out. Other step kinds are
 * refused, since a reply goes back to one caller and a target's copy to one target.
 */
export function compileTransforms(ctx: CompileContext, steps: readonly StepDef[], path: DefPath, what = 'reply steps'): Transformer {
  const chain: Transformer[] = [];
  steps.forEach((step, i) => {
    if (!isTransformStep(step)) {
      fail(ctx, [...path, i], `${what} may only validate, map, setHeaders, removeHeaders, convert or setVars`);
      return;
    }
    const t = compileTransform(ctx, step, [...path, i]);
    if (t) chain.push(t);
  });
  if (chain.length === 0) return async (m) => m;
  return async (m) => {
    let out = m;
    for (const t of chain) out = await t(out);
    return out;
  };
}
