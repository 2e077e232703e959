import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { StepDef } from '@junction/config';
import { StepError, type Headers, type Message } from '@junction/core';
import { bodyFromValue, compileSchema } from '@junction/transform';
import type { Transformer } from '../compiled-route';
import { compileConvert } from './convert-step';
import { fail, type CompileContext, type DefPath } from '../compile-context';
import { evaluateOn, expressionAt } from './expressions';
import { compileSetVars } from './set-vars.step';
import { compileXslt } from './xslt.step';
import { compileValidateXsd } from './validate-xsd.step';

/** Steps that turn one message into one message; they serve in flows and in reply steps alike. */
export const TRANSFORM_KINDS = ['validate', 'map', 'setHeaders', 'removeHeaders', 'convert', 'setVars', 'xslt'] as const;

export function isTransformStep(step: StepDef): boolean {
  return TRANSFORM_KINDS.some((k) => step[k] !== undefined);
}

/** Compiles a transform step, or returns undefined (with a problem recorded) when it cannot. */
export function compileTransform(ctx: CompileContext, step: StepDef, path: DefPath): Transformer | undefined {
  if (step.validate?.xsd !== undefined) return compileValidateXsd(ctx, step.validate.xsd, [...path, 'validate', 'xsd']);
  if (step.validate?.schema !== undefined) return compileValidate(ctx, step.validate.schema, [...path, 'validate', 'schema']);
  if (step.map !== undefined) return compileMap(ctx, step.map, [...path, 'map']);
  if (step.setHeaders) return compileSetHeaders(ctx, step.setHeaders, [...path, 'setHeaders']);
  if (step.removeHeaders) return compileRemoveHeaders(step.removeHeaders);
  if (step.setVars) return compileSetVars(ctx, step.setVars, [...path, 'setVars']);
  if (step.convert) return compileConvert(ctx, step.convert, [...path, 'convert']);
  if (step.xslt !== undefined) return compileXslt(ctx, step.xslt, [...path, 'xslt']);
  return fail(ctx, path, 'not a transform step');
}

function compileValidate(ctx: CompileContext, schema: string | Record<string, unknown>, path: DefPath): Transformer | undefined {
  let document: object;
  let name: string;
  if (typeof schema === 'string') {
    const file = isAbsolute(schema) ? schema : join(ctx.baseDir, schema);
    try {
      document = JSON.parse(readFileSync(file, 'utf8')) as object;
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
      return fail(ctx, path, `cannot read JSON Schema ${schema}: ${reason}`);
    }
    name = schema;
  } else {
    document = schema;
    name = `${ctx.routeId} inline schema`;
  }
  let validator: ReturnType<typeof compileSchema>;
  try {
    validator = compileSchema(document, name);
  } catch (err) {
    return fail(ctx, path, `invalid JSON Schema: ${err instanceof Error ? err.message : String(err)}`);
  }
  return async (m) => {
    validator.validate(m.body.value());
    m.hop('validate', name);
    return m;
  };
}

function compileMap(ctx: CompileContext, source: string, path: DefPath): Transformer | undefined {
  const expr = expressionAt(ctx, source, path);
  if (!expr) return undefined;
  const { routeId, codec } = ctx;
  return async (m) => {
    const value = await evaluateOn(expr, m, routeId);
    if (value === undefined) throw new StepError('map', 'the mapping produced no value');
    m.hop('map');
    return m.withBody(bodyFromValue(value, 'json', codec));
  };
}

type HeaderValue = string | { expr: string };

/** Characters no header value may hold on any transport. */
const LINE_BREAK = /[\r\n\0]/;

function compileSetHeaders(ctx: CompileContext, headers: Record<string, HeaderValue>, path: DefPath): Transformer | undefined {
  const literal: Headers = {};
  const computed: Array<[string, NonNullable<ReturnType<typeof expressionAt>>]> = [];
  for (const [name, value] of Object.entries(headers)) {
    const key = name.toLowerCase();
    if (typeof value === 'string') literal[key] = value;
    else {
      const expr = expressionAt(ctx, value.expr, [...path, name, 'expr']);
      if (expr) computed.push([key, expr]);
    }
  }
  const routeId = ctx.routeId;
  return async (m) => {
    const next: Headers = { ...m.headers, ...literal };
    for (const [key, expr] of computed) {
      const value = await evaluateOn(expr, m, routeId);
      if (value === undefined || value === null) {
        delete next[key];
        continue;
      }
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      // A line break would start a header of the message's own on the wire; no transport takes it, and the same
      // message computes the same value again: refused here, once, rather than retried at every delivery.
      if (LINE_BREAK.test(text)) throw new StepError('setHeaders', `the value computed for ${key} holds a line break or NUL`);
      next[key] = text;
    }
    return m.withHeaders(next);
  };
}

function compileRemoveHeaders(names: readonly string[]): Transformer {
  const lower = names.map((n) => n.toLowerCase());
  return async (m: Message) => {
    const next: Headers = { ...m.headers };
    for (const n of lower) delete next[n];
    return m.withHeaders(next);
  };
}
