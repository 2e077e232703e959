import type { StepDef, TargetDef } from '@junction/config';
import type { Runner } from '../compiled-route';
import type { CompileContext, DefPath } from '../compile-context';
import { predicateAt, type Predicate } from './expressions';
import { compileSequence, dispatchTo } from './flow-compiler';

interface BranchDef {
  readonly steps?: StepDef[];
  readonly to?: TargetDef[];
}

/**
 * Content-based router. The first branch whose `if` holds is taken, else `otherwise`. A branch with `to` delivers
 * there and ends the flow; a branch without `to` applies its steps and the flow goes on after the choice. When no
 * branch holds and there is no `otherwise`, the message goes on unchanged (as in Camel).
 */
export function compileChoice(
  ctx: CompileContext,
  def: { when: Array<BranchDef & { if: string }>; otherwise?: BranchDef },
  path: DefPath,
  next: Runner,
): Runner {
  const branch = (b: BranchDef, p: DefPath): Runner =>
    compileSequence(ctx, b.steps ?? [], [...p, 'steps'], b.to ? dispatchTo(ctx, b.to, [...p, 'to']) : next);
  const whens: Array<{ test: Predicate | undefined; run: Runner; label: string }> = def.when.map((w, i) => ({
    test: predicateAt(ctx, w.if, [...path, 'when', i, 'if']),
    run: branch(w, [...path, 'when', i]),
    label: `when[${i}]`,
  }));
  const otherwise = def.otherwise ? branch(def.otherwise, [...path, 'otherwise']) : next;
  return async (m, flow) => {
    for (const w of whens) {
      if (w.test && (await w.test(m))) {
        m.hop('choice', w.label);
        return w.run(m, flow);
      }
    }
    m.hop('choice', def.otherwise ? 'otherwise' : 'none');
    return otherwise(m, flow);
  };
}
