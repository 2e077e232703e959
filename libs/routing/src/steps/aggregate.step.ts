import type { AggregateStepDef } from '@junction/config';
import { parseDuration, StepError, type Body, type Message } from '@junction/core';
import { bodyFromBytes, bodyFromValue } from '@junction/transform';
import type { Runner } from '../compiled-route';
import { fail, truthy, type CompileContext, type DefPath } from '../compile-context';
import { evaluateOn, expressionAt } from './expressions';

/** Longest correlation key kept: longer keys are cut (they still group the same parts together). */
const MAX_KEY = 500;

/** A message an aggregate step holds: the flow ends there for it, and the bus adds it to its group. */
export interface HeldMessage {
  /** The aggregate step's place in the route (`steps.2`, `steps.0.split.steps.1`). */
  readonly step: string;
  readonly key: string;
  readonly message: Message;
  /** The split part index of the message, 0 when not split. */
  readonly partIndex: number;
  /** Parts that complete the group, when a count does (completion size, or a split's size). */
  readonly size: number | null;
}

/** A part as the store gives it back. */
export interface AggregatePart {
  readonly headers: Record<string, string>;
  readonly contentType: string;
  readonly body: Buffer;
}

/** A group as the completer sees it. */
export interface AggregateGroup {
  readonly size: number | null;
  readonly firstAt: number;
  readonly lastAt: number;
  readonly expiresAt: number;
}

/** What to do with a group now: complete it, dead-letter it, or look again at `at`. */
export type AggregateDecision = { kind: 'complete' } | { kind: 'expire' } | { kind: 'wait'; at: number };

/** An aggregate step compiled at load: how its groups fill, complete and become one message, and where that goes. */
export interface CompiledAggregator {
  readonly step: string;
  /** Every part makes its group due at once: a completion predicate must see it. */
  readonly checkEach: boolean;
  readonly expireMs: number;
  readonly completeAfterFirstMs: number | null;
  readonly completeAfterLastMs: number | null;
  decide(group: AggregateGroup, parts: readonly AggregatePart[], now: number): Promise<AggregateDecision>;
  /** The aggregate's body. Rejects with StepError when the expression fails or a part cannot be read. */
  aggregate(parts: readonly AggregatePart[]): Promise<Body>;
  /** The flow after the aggregate step, which the aggregate message runs through. */
  readonly resume: Runner;
}

/** The aggregate step's place as a key: the path of the step in its route. */
export function stepKey(path: DefPath): string {
  return path.join('.');
}

/**
 * Aggregator: evaluates the correlation key of each message and hands it to the flow to hold (FlowContext.hold); the
 * flow ends there. The bus completes the group later (CompiledAggregator) and runs the aggregate through `next`.
 */
export function compileAggregate(
  ctx: CompileContext,
  def: AggregateStepDef,
  path: DefPath,
  next: Runner,
): Runner | undefined {
  const step = stepKey(path);
  const correlation = expressionAt(ctx, def.correlation, [...path, 'correlation']);
  const when = def.completion.when !== undefined ? expressionAt(ctx, def.completion.when, [...path, 'completion', 'when']) : undefined;
  const mapping = typeof def.aggregate === 'string' ? expressionAt(ctx, def.aggregate, [...path, 'aggregate']) : undefined;
  const expireMs = parseDuration(def.timeout) ?? 600_000;
  const timeoutMs = def.completion.timeout !== undefined ? parseDuration(def.completion.timeout) ?? null : null;
  const sinceLast = def.completion.since === 'last';
  if (timeoutMs !== null && timeoutMs >= expireMs) {
    fail(ctx, [...path, 'completion', 'timeout'], 'the completion timeout must be shorter than the step\'s timeout, which dead-letters the group');
  }
  if (!correlation || (def.completion.when !== undefined && !when) || (typeof def.aggregate === 'string' && !mapping)) return undefined;
  const { codec, routeId } = ctx;
  const limits = ctx.jsonLimits;
  const size = def.completion.size ?? null;
  const split = def.completion.split === true;

  const bodyOf = (p: AggregatePart): Body => bodyFromBytes(p.body, p.contentType, codec, limits ? { json: limits } : undefined);
  const values = (parts: readonly AggregatePart[]): unknown[] =>
    parts.map((p, i) => {
      try {
        return bodyOf(p).value();
      } catch (err) {
        throw new StepError('aggregate', `part ${i + 1} cannot be read: ${err instanceof Error ? err.message : String(err)}`);
      }
    });

  const aggregator: CompiledAggregator = {
    step,
    checkEach: when !== undefined,
    expireMs,
    completeAfterFirstMs: timeoutMs !== null && !sinceLast ? timeoutMs : null,
    completeAfterLastMs: timeoutMs !== null && sinceLast ? timeoutMs : null,
    async decide(group, parts, now) {
      const due = [group.expiresAt];
      if (group.size !== null && parts.length >= group.size) return { kind: 'complete' };
      if (when && truthy(await when.evaluate(values(parts), { size: parts.length, routeId }))) return { kind: 'complete' };
      if (timeoutMs !== null) {
        const at = (sinceLast ? group.lastAt : group.firstAt) + timeoutMs;
        if (now >= at) return { kind: 'complete' };
        due.push(at);
      }
      if (now >= group.expiresAt) return { kind: 'expire' };
      return { kind: 'wait', at: Math.min(...due) };
    },
    async aggregate(parts) {
      if (mapping) return bodyFromValue(await mapping.evaluate(values(parts), { size: parts.length, routeId }) ?? null, 'json', codec);
      if (def.aggregate !== undefined && typeof def.aggregate === 'object' && 'xml' in def.aggregate) {
        return xmlConcatenation(parts.map(bodyOf), def.aggregate.xml.root, codec);
      }
      if (def.aggregate !== undefined && typeof def.aggregate === 'object' && 'csv' in def.aggregate) {
        return csvConcatenation(parts, def.aggregate.csv.header, codec);
      }
      return bodyFromValue(values(parts), 'json', codec);
    },
    resume: next,
  };
  ctx.aggregators?.set(step, aggregator);

  return async (m, flow) => {
    if (!flow.hold) throw new StepError('aggregate', 'an aggregate step holds messages: it needs an async route');
    const value = await evaluateOn(correlation, m, routeId);
    if (value === undefined || value === null || typeof value === 'object' || value === '') {
      throw new StepError('aggregate', `the correlation expression gave no key (${value === '' ? 'an empty string' : JSON.stringify(value) ?? 'nothing'})`);
    }
    const key = String(value).slice(0, MAX_KEY);
    const splitSize = m.part?.of ?? positiveInt(m.headers['x-split-size']);
    const expected = split ? splitSize ?? size : size;
    m.hop('aggregate', `held in group ${key}`);
    flow.hold({ step, key, message: m, partIndex: m.part?.index ?? 0, size: expected });
  };
}

function positiveInt(text: string | undefined): number | null {
  if (text === undefined || !/^\d{1,9}$/.test(text)) return null;
  const n = Number(text);
  return n >= 1 ? n : null;
}

/** The parts' XML documents under one root element, each without its XML declaration; JSON parts are written as XML
 *  through the convention first. */
function xmlConcatenation(parts: readonly Body[], root: string, codec: CompileContext['codec']): Body {
  const docs = parts.map((b) => {
    const xml = b.format === 'xml' ? b : bodyFromValue(b.value(), 'xml', codec);
    return xml.bytes().toString('utf8').replace(/^\uFEFF?\s*<\?xml[^?]*\?>\s*/, '');
  });
  const text = `<?xml version="1.0" encoding="UTF-8"?>\n<${root}>${docs.join('')}</${root}>`;
  return bodyFromBytes(Buffer.from(text, 'utf8'), 'application/xml', codec);
}

/** A part as CSV text: its bytes, or the string a JSON part holds (a mapping that wrote a CSV line). */
function partText(p: AggregatePart, codec: CompileContext['codec']): string {
  const body = bodyFromBytes(p.body, p.contentType, codec);
  if (body.format === 'json') {
    const value = body.value();
    if (typeof value === 'string') return value;
  }
  return p.body.toString('utf8').replace(/^\uFEFF/, '');
}

/** The parts' lines one after the other; with `header`, the first line of every part but the first is dropped. */
function csvConcatenation(parts: readonly AggregatePart[], header: boolean, codec: CompileContext['codec']): Body {
  const chunks = parts.map((p, i) => {
    let text = partText(p, codec);
    if (header && i > 0) {
      const nl = text.indexOf('\n');
      text = nl < 0 ? '' : text.slice(nl + 1);
    }
    return text.length > 0 && !text.endsWith('\n') ? `${text}\n` : text;
  });
  return bodyFromBytes(Buffer.from(chunks.join(''), 'utf8'), 'text/csv; charset=utf-8', codec);
}
