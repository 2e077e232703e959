import type { Message } from '@junction/core';
import { compileExpression, type CompiledExpression } from '@junction/transform';
import { fail, truthy, type CompileContext, type DefPath } from '../compile-context';

const NONE: Readonly<Record<string, never>> = Object.freeze({});

/**
 * Variables every expression sees besides the body: `$headers`, `$messageId`, `$correlationId`, `$routeId`, and what
 * the source gave: `$params` (path parameters) and `$query` (query parameters), `{}` when the source has none;
 * `$vars`, the route variables set by `setVars` steps so far (`{}` when none); and in reply steps `$request` (the
 * caller's request body, as JSON) and `$requestHeaders`.
 */
export function bindingsOf(message: Message, routeId: string): Record<string, unknown> {
  const scope = message.scope;
  const bindings: Record<string, unknown> = {
    headers: message.headers,
    messageId: message.id,
    correlationId: message.correlationId,
    routeId,
    params: message.source.params ?? NONE,
    query: message.source.query ?? NONE,
    vars: scope?.vars ?? NONE,
  };
  const request = scope?.request;
  if (request) {
    bindings.request = request.body.bytes().length === 0 ? null : request.body.value();
    bindings.requestHeaders = request.headers;
  }
  return bindings;
}

/** Compiles a JSONata expression once, at load; a syntax error becomes a problem at `path`. */
export function expressionAt(ctx: CompileContext, source: string, path: DefPath): CompiledExpression | undefined {
  try {
    return compileExpression(source);
  } catch (err) {
    return fail(ctx, path, err instanceof Error ? err.message : String(err));
  }
}

/** Evaluates an expression over the message's JSON form with the standard bindings. */
export function evaluateOn(expr: CompiledExpression, message: Message, routeId: string): Promise<unknown> {
  // An expression over the headers alone leaves the body unparsed.
  return expr.evaluate(expr.readsInput ? message.body.value() : undefined, bindingsOf(message, routeId));
}

/** A compiled predicate: true when the expression's result is truthy in JSONata's sense. */
export type Predicate = (message: Message) => Promise<boolean>;

export function predicateAt(ctx: CompileContext, source: string, path: DefPath): Predicate | undefined {
  const expr = expressionAt(ctx, source, path);
  if (!expr) return undefined;
  const routeId = ctx.routeId;
  return async (message) => truthy(await evaluateOn(expr, message, routeId));
}
