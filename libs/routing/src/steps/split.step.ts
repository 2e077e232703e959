import type { StepDef, TargetDef } from '@junction/config';
import { StepError, type Message } from '@junction/core';
import { bodyFromValue, type CompiledExpression } from '@junction/transform';
import type { FlowContext, Runner } from '../compiled-route';
import type { CompileContext, DefPath } from '../compile-context';
import { evaluateOn, expressionAt } from './expressions';
import { compileSequence, dispatchTo } from './flow-compiler';

/**
 * Splitter: one message per item. `expr` (JSONata) must give an array; `path` (dotted, e.g. `Orders.Order`) walks
 * the body's JSON form and suits repeated XML elements: each part of an XML body becomes a document whose root is the
 * last path segment, and it keeps the namespace declarations of the elements above it. Parts run through `steps` and
 * go to `to` when given, else on through the rest of the flow. Each part is a message of its own (Camel's split
 * exchanges): id `<parent id>.<index>`, headers `x-parent-message-id`, `x-split-index` (from 0) and `x-split-size`.
 * With `ordered`, a target gets the parts in document order, one after the other (Camel's `streaming: false` with a
 * sequential consumer): the outbox sends a part once the part before it was delivered or dead-lettered.
 */
export function compileSplit(
  ctx: CompileContext,
  def: { path?: string; expr?: string; steps?: StepDef[]; to?: TargetDef[]; ordered?: boolean },
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

  const ordered = def.ordered === true;
  return async (m, flow) => {
    const parts = await partsOf(m);
    m.hop('split', `${parts.length} parts`);
    // Ordered: every copy the parts make for a target (wire taps aside) waits for the one before it (see Dispatch.ordered).
    const partFlow: FlowContext = ordered ? { ...flow, dispatch: (d) => flow.dispatch(d.wireTap ? d : { ...d, ordered: true }) } : flow;
    const size = String(parts.length);
    for (let i = 0; i < parts.length; i++) {
      const { value, format } = parts[i];
      const part = m.asPart(bodyFromValue(value, format, codec), i, parts.length);
      // Each part is a message of its own (`<parent id>.<index>`, sent as x-message-id); the parent's id, the index
      // and the size let a target put the parts back together (and drop a part it already has).
      const headers = { ...part.headers, 'x-parent-message-id': m.id, 'x-split-index': String(i), 'x-split-size': size };
      await perPart(part.withHeaders(headers), partFlow);
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
