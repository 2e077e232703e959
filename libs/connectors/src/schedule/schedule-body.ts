import type { Incoming } from '@junction/core';
import { compileExpression } from '@junction/transform';
import { guessContentType } from '../shared/bus-dispatch';
import type { ScheduleSourceDef } from './schedule.config';

/** One tick as the body expression sees it. */
export interface Tick {
  /** The tick's time (epoch ms), as the schedule computes it. */
  readonly scheduledAt: number;
  /** When this instance fired it (epoch ms): the tick's time plus timer and store delays. */
  readonly firedAt: number;
  /** Its number among the route's ticks, counted by every instance together (the store's tick count). */
  readonly number: number;
}

/** Builds the message of a tick; rejects with StepError when the body expression fails. */
export type TickMessage = (tick: Tick) => Promise<Incoming>;

/**
 * The message factory of a source config: a fixed body is encoded once; `bodyExpr` is compiled once and evaluated
 * at each tick over `{}`, with `$now`, `$scheduledAt` and `$tick` bound (`$now` is the firing time as text, which
 * hides JSONata's own `$now()` function). A string is the body as it is, anything else is JSON; no result is `{}`.
 * Throws ConfigError when `bodyExpr` does not parse.
 */
export function tickMessage(config: ScheduleSourceDef, address: string): TickMessage {
  const headers = config.headers;
  const source = { kind: 'schedule', address };
  if (config.bodyExpr === undefined) {
    const fixed = encode(config.body);
    return async () => ({ source, headers: { ...headers }, ...fixed });
  }
  const expression = compileExpression(config.bodyExpr, { step: 'bodyExpr' });
  return async (tick) => {
    const value = await expression.evaluate({}, {
      now: new Date(tick.firedAt).toISOString(),
      scheduledAt: new Date(tick.scheduledAt).toISOString(),
      tick: tick.number,
    });
    return { source, headers: { ...headers }, ...encode(value) };
  };
}

function encode(value: unknown): { body: Buffer; contentType: string } {
  if (typeof value === 'string') {
    const body = Buffer.from(value, 'utf8');
    return { body, contentType: guessContentType(body) };
  }
  return { body: Buffer.from(JSON.stringify(value ?? {}), 'utf8'), contentType: 'application/json' };
}
