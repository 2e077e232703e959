import type { IdempotentDef } from '@junction/config';
import { InputError, parseDuration, type Message } from '@junction/core';
import { expressionReadsBody } from '@junction/transform';
import { fail, type CompileContext } from './compile-context';
import { evaluateOn, expressionAt } from './steps/expressions';

/** A route's Idempotent Consumer, compiled: its key expression and how long a key is remembered. */
export interface CompiledIdempotent {
  readonly retentionMs: number;
  /** Whether the key expression reads the body (an async route then reads the body at ingress). */
  readonly readsBody: boolean;
  /** The message's key as text. Rejects with InputError NO_IDEMPOTENCY_KEY when the expression gives nothing (null,
   *  undefined, empty text), or with the expression's error. */
  key(message: Message): Promise<string>;
}

/**
 * Compiles `idempotent:` of a route. Sync routes are refused: their caller waits for a target's reply, which a
 * duplicate (never delivered) cannot give, and answering the first exchange's reply again would need the reply kept.
 */
export function compileIdempotent(ctx: CompileContext, def: IdempotentDef | undefined, mode: 'sync' | 'async'): CompiledIdempotent | undefined {
  if (!def) return undefined;
  if (mode === 'sync') return fail(ctx, ['idempotent'], 'idempotent is for async routes: a duplicate is never delivered, so a sync caller would get no reply');
  const expr = expressionAt(ctx, def.key, ['idempotent', 'key']);
  if (!expr) return undefined;
  const routeId = ctx.routeId;
  return {
    retentionMs: parseDuration(def.retention) ?? 0,
    readsBody: expressionReadsBody(def.key),
    key: async (m) => {
      const v = await evaluateOn(expr, m, routeId);
      const text = v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
      if (text === '') throw new InputError('NO_IDEMPOTENCY_KEY', `the idempotency key (${def.key}) gives nothing for this message`);
      return text;
    },
  };
}
