import type { TargetDef } from '@junction/config';
import type { EgressConnector } from '@junction/core';
import type { JsonLimits, XmlCodec } from '@junction/transform';
import type { CompiledTarget } from './compiled-route';
import type { CompiledAggregator } from './steps/aggregate.step';

/** A path inside a route definition, e.g. ['steps', 2, 'choice', 'when', 0, 'if']. */
export type DefPath = readonly (string | number)[];

/** A problem found while compiling a route; the loader turns the path into a file:line. */
export interface CompileProblem {
  readonly path: DefPath;
  readonly message: string;
}

/** Egress connectors by kind, as registered in the connector list. */
export type EgressRegistry = ReadonlyMap<string, EgressConnector>;

/** Shared state while one route compiles: where its files are, its codec, its targets so far, its problems. */
export interface CompileContext {
  readonly routeId: string;
  readonly baseDir: string;
  readonly codec: XmlCodec;
  readonly problems: CompileProblem[];
  target(def: TargetDef, path: DefPath): CompiledTarget;
  /** The route's aggregate steps by place (see stepKey), filled as they compile; absent where none may stand. */
  readonly aggregators?: Map<string, CompiledAggregator>;
  /** Limits of the JSON the route reads (aggregate steps read their parts back). */
  readonly jsonLimits?: JsonLimits;
}

/** Records a problem and returns undefined, so compile helpers can `return fail(...)`. */
export function fail(ctx: CompileContext, path: DefPath, message: string): undefined {
  ctx.problems.push({ path, message });
  return undefined;
}

/** JSONata's boolean cast: empty arrays, empty strings, 0, null, false and undefined are false. */
export function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(truthy);
  if (value === null || value === undefined || value === false || value === 0 || value === '') return false;
  return true;
}
