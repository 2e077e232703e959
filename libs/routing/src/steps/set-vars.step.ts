import type { Transformer } from '../compiled-route';
import type { CompileContext, DefPath } from '../compile-context';
import { evaluateOn, expressionAt } from './expressions';
import type { CompiledExpression } from '@junction/transform';

/**
 * Route variables (Camel's exchange properties, Mule's `vars`): each expression is evaluated on the message, in the
 * order written, and its value kept under its name for the steps after it, the targets' own steps, URL templates and
 * the reply steps of a sync route, which read it as `$vars.<name>`. Variables never leave the bus: they are not
 * headers, and a target sees one only when a step puts it into the body or a header. A value that comes out
 * undefined removes the variable. A later expression of the same step sees the earlier ones.
 *
 * Variables live for one run of the route. Everything that reads them runs in that run (at ingress for a sync route,
 * in the outbox's routing pass for an async one), and what it made (each target's body, headers and address) is
 * stored with the delivery: a delivery sent after a restart carries the values the variables gave it, and a message
 * routed again (after a crash before its routing was stored, or a replay) computes them again from the message.
 */
export function compileSetVars(ctx: CompileContext, vars: Record<string, string>, path: DefPath): Transformer | undefined {
  const compiled: Array<[string, CompiledExpression]> = [];
  let ok = true;
  for (const [name, source] of Object.entries(vars)) {
    const expr = expressionAt(ctx, source, [...path, name]);
    if (expr) compiled.push([name, expr]);
    else ok = false;
  }
  if (!ok) return undefined;
  const { routeId } = ctx;
  const names = compiled.map(([n]) => n).join(', ');
  return async (m) => {
    let out = m;
    for (const [name, expr] of compiled) {
      const value = await evaluateOn(expr, out, routeId);
      const vars: Record<string, unknown> = { ...out.scope?.vars };
      if (value === undefined) delete vars[name];
      else vars[name] = value;
      out = out.withScope({ ...out.scope, vars });
    }
    m.hop('setVars', names);
    return out;
  };
}
