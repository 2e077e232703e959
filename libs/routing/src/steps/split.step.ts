import type { StepDef, TargetDef } from '@junction/config';
import { StepError, type Message } from '@junction/core';
import { bodyFromValue, type CompiledExpression } from '@junction/transform';
import type { Runner } from '../compiled-route';
import type { CompileContext, DefPath } from '../compile-context';
import { evaluateOn, expressionAt } from './expressions';
import { compileSequence, dispatchTo } from './flow-compiler';

/**
 * Splitter: one message per item. `expr` (JSONata) must give an array; `path` (dotted, e.g. `Orders.Order`) walks
 * the body's JSON form and suits repeated XML elements: each part of an XML body becomes a document whose root is the
 * last path segment, and it keeps the namespace declarations of the elements above it. Parts run through `steps` and
 * go to `to` when given, else on through the rest of the flow.
 */
export function compileSplit(
  ctx: CompileContext,
  def: { path?: string; expr?: string; steps?: StepDef[]; to?: TargetDef[] },
  path: DefPath,
  next: Runner,
): Runner {
  const tail = def.to ? dispatchTo(ctx, def.to, [...path, 'to']) : next;
  const perPart = compileSequence(ctx, def.steps ?? [], [...path, 'steps'], tail);
  const expr = def.expr !== undefined ? expressionAt(ctx, def.expr, [...path, 'expr']) : undefined;
  const segments = def.path?.split('.') ?? [];
  const { codec, routeId } = ctx;

  const partsOf = async (m: Message): Promise<Array<{ value: unknown; format: 'json' | 'xml' }>> => {
    if (expr) {
      const result = await evaluateOn(expr, m, routeId);
      const items = result === undefined ? [] : Array.isArray(result) ? result : [result];
      return items.map((value) => ({ value, format: 'json' as const }));
    }
    const xml = m.body.format === 'xml';
    return splitByPath(m.body.value(), segments, xml).map((value) => ({ value, format: xml ? 'xml' : 'json' }));
  };

  return async (m, flow) => {
    const parts = await partsOf(m);
    m.hop('split', `${parts.length} parts`);
    for (let i = 0; i < parts.length; i++) {
      const { value, format } = parts[i];
      const part = m.asPart(bodyFromValue(value, format, codec), i, parts.length);
      // Parts share the message id; index and size let a target tell them apart (and drop a duplicate part).
      await perPart(part.withHeaders({ ...part.headers, 'x-split-index': String(i), 'x-split-size': String(parts.length) }), flow);
    }
  };
}

/**
 * Items at a dotted path. With `asXml`, each item is wrapped in its element name and given the namespace declarations
 * in scope, so that every part is a well-formed document of its own.
 */
export function splitByPath(root: unknown, segments: readonly string[], asXml: boolean): unknown[] {
  let node: unknown = root;
  const namespaces: Record<string, unknown> = {};
  for (let i = 0; i < segments.length; i++) {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) {
      throw new StepError('split', `no ${segments.slice(0, i + 1).join('.')} in the message`);
    }
    for (const [k, v] of Object.entries(node)) if (k === '@xmlns' || k.startsWith('@xmlns:')) namespaces[k] = v;
    node = (node as Record<string, unknown>)[segments[i]];
    if (node === undefined) return [];
  }
  const items = Array.isArray(node) ? node : [node];
  if (!asXml) return items;
  const element = segments[segments.length - 1];
  const inherited = Object.keys(namespaces).length > 0;
  return items.map((item) => {
    const wrapped =
      inherited && item !== null && typeof item === 'object' && !Array.isArray(item)
        ? { ...namespaces, ...(item as object) }
        : inherited && typeof item === 'string'
          ? { ...namespaces, '#text': item }
          : item;
    return { [element]: wrapped };
  });
}
