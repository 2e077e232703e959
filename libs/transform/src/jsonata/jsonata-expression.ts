import { ConfigError, StepError } from '@junction/core';
import jsonata from 'jsonata';

/** Guardrails of one expression. */
export interface ExpressionOptions {
  /** Step name used in StepError (default `expression`). */
  readonly step?: string;
  /**
   * Wall-clock budget of one evaluation in ms (default 5000). JSONata checks it as it evaluates each node, so a
   * runaway loop fails with a StepError instead of holding the event loop forever.
   */
  readonly timeoutMs?: number;
  /**
   * Deepest evaluation nesting (default 5000). Evaluation is async and never overflows the JS stack: without this,
   * a non-terminating recursive function grows the heap until the process dies.
   */
  readonly maxDepth?: number;
}

/** A JSONata expression parsed once, evaluated many times; safe to evaluate concurrently. */
export interface CompiledExpression {
  readonly source: string;
  /**
   * False when the expression never reads its input (only variables such as `$headers`): it can then be evaluated
   * without the message body, which is then not parsed. Derived from the parsed expression, conservatively.
   */
  readonly readsInput: boolean;
  /**
   * Evaluates over `input` with `bindings` as `$name` variables. Resolves to the result (`undefined` when nothing
   * matched); rejects with StepError (code STEP_FAILED) on a runtime error, a timeout or a too deep evaluation.
   */
  evaluate(input: unknown, bindings?: Record<string, unknown>): Promise<unknown>;
}

interface JsonataFailure {
  readonly code?: string;
  readonly position?: number;
  readonly token?: string;
  readonly message?: string;
}

const DEFAULTS = { step: 'expression', timeoutMs: 5000, maxDepth: 5000 } as const;

/** Parses a JSONata expression. Throws ConfigError naming the position and JSONata's code on a syntax error. */
export function compileExpression(source: string, options: ExpressionOptions = {}): CompiledExpression {
  const { step, timeoutMs, maxDepth } = { ...DEFAULTS, ...options };
  let expression: jsonata.Expression;
  try {
    expression = jsonata(source, { timeout: timeoutMs, stack: maxDepth });
  } catch (err) {
    const e = err as JsonataFailure;
    const message = `JSONata syntax error at position ${e.position ?? '?'}${e.code ? ` (${e.code})` : ''}: ${e.message ?? String(err)}`;
    throw new ConfigError(`${message} in: ${excerpt(source)}`, [message], err);
  }
  return {
    source,
    readsInput: readsInput(expression.ast()),
    async evaluate(input, bindings) {
      try {
        return await expression.evaluate(input, bindings);
      } catch (err) {
        const e = err as JsonataFailure;
        const where = e.position !== undefined ? ` at position ${e.position}` : '';
        const code = e.code ? ` (${e.code})` : '';
        throw new StepError(step, `JSONata evaluation failed${where}${code}: ${e.message ?? String(err)}`, err);
      }
    },
  };
}

/**
 * Whether a JSONata syntax tree refers to its input: a field name, wildcard, descendant or parent step, or `$` / `$$`,
 * outside a path that starts from a named variable (`$headers.x`: `x` is a field of the variable, not of the input).
 * Any node it does not know is searched through, so an unknown construct that reads the input is still found.
 */
function readsInput(node: unknown, inVariablePath = false): boolean {
  if (Array.isArray(node)) return node.some((n) => readsInput(n, inVariablePath));
  if (node === null || typeof node !== 'object') return false;
  const n = node as { type?: string; value?: unknown; steps?: unknown[] };
  if (n.type === 'path' && Array.isArray(n.steps) && n.steps.length > 0) {
    const first = n.steps[0] as { type?: string; value?: unknown };
    if (first.type === 'variable' && first.value !== '' && first.value !== '$') {
      // The variable's own predicates and the later steps are about the variable's value.
      const rest = { ...n, steps: undefined };
      return readsInput(children(first), true) || readsInput(n.steps.slice(1), true) || readsInput(children(rest), inVariablePath);
    }
  }
  if (n.type === 'variable' && (n.value === '$' || (n.value === '' && !inVariablePath))) return true;
  if (!inVariablePath && (n.type === 'name' || n.type === 'wildcard' || n.type === 'descendant' || n.type === 'parent')) return true;
  return readsInput(children(n), inVariablePath);
}

/** A node's sub-trees: everything but its own type, value and position. */
function children(node: object): unknown[] {
  return Object.entries(node)
    .filter(([key]) => key !== 'type' && key !== 'value' && key !== 'position')
    .map(([, value]) => value);
}

function excerpt(source: string): string {
  return source.length > 120 ? `${source.slice(0, 117)}...` : source;
}

/**
 * Evaluates `expression` and casts the result to a boolean the way JSONata's `$boolean` does (see jsonataBoolean);
 * no result counts as false. Rejects like CompiledExpression.evaluate.
 */
export async function evaluatePredicate(
  expression: CompiledExpression,
  input: unknown,
  bindings?: Record<string, unknown>,
): Promise<boolean> {
  return jsonataBoolean(await expression.evaluate(input, bindings));
}

/**
 * JSONata's effective boolean value: strings true when non-empty, numbers when non-zero, objects when they have a
 * key, arrays when any member is true, functions, null and undefined false.
 */
export function jsonataBoolean(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(jsonataBoolean);
  switch (typeof value) {
    case 'boolean':
      return value;
    case 'string':
      return value.length > 0;
    case 'number':
      return value !== 0 && !Number.isNaN(value);
    case 'object':
      return value !== null && !isJsonataFunction(value) && Object.keys(value).length > 0;
    default:
      return false;
  }
}

function isJsonataFunction(value: object): boolean {
  const v = value as Record<string, unknown>;
  return v._jsonata_function === true || v._jsonata_lambda === true;
}

/**
 * Whether an expression reads its input (the message body) rather than only variables such as `$headers`: what
 * decides if a route may leave its bodies unparsed. An expression that does not compile counts as reading it (its own
 * compilation reports the error). Run at load, never per message.
 */
export function expressionReadsBody(source: string | undefined): boolean {
  if (source === undefined) return false;
  try {
    return compileExpression(source).readsInput;
  } catch {
    return true;
  }
}
