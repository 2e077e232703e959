import type { z } from 'zod';
import type { DefPath } from './route-problem';

/**
 * Turns zod issues into short, plain messages placed at a path. The wording never includes the offending value
 * (it may come from a secret in the environment): it names what was expected and, at most, the kind of value found.
 */

/** One message at a path; `linePath` is where to point in the file when it differs (an unknown key's own line). */
export interface Finding {
  readonly path: DefPath;
  readonly message: string;
  readonly linePath?: DefPath;
}

type Issue = z.core.$ZodIssue;
type RawIssue = z.core.$ZodRawIssue;

function expectedName(expected: string): string {
  switch (expected) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'int':
      return 'an integer';
    case 'boolean':
      return 'true or false';
    case 'object':
    case 'record':
    case 'map':
      return 'a mapping';
    case 'array':
    case 'tuple':
    case 'set':
      return 'a list';
    default:
      return expected;
  }
}

/** The kind of a value, never the value itself. */
function kindOf(input: unknown): string {
  if (input === null) return 'an empty value';
  if (Array.isArray(input)) return 'a list';
  switch (typeof input) {
    case 'string':
      return 'a string';
    case 'number':
      return Number.isInteger(input) ? 'an integer' : 'a number';
    case 'boolean':
      return 'true or false';
    case 'object':
      return 'a mapping';
    default:
      return typeof input;
  }
}

function literal(v: unknown): string {
  return typeof v === 'string' ? v : String(v);
}

function alternatives(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

/**
 * Parse-level error map: zod uses it for every issue whose schema gave no message of its own, so the schema's own
 * wording (`expected a URL`) wins and everything else reads the same way.
 */
export const issueWording: z.core.$ZodErrorMap = (iss: RawIssue) => {
  switch (iss.code) {
    case 'invalid_type':
      if (iss.input === undefined) return 'required';
      if (iss.expected === 'int' && typeof iss.input === 'number') return 'expected an integer';
      return `expected ${expectedName(iss.expected)}, got ${kindOf(iss.input)}`;
    case 'invalid_value':
      return iss.values.length === 1
        ? `expected ${literal(iss.values[0])}`
        : `expected one of: ${iss.values.map(literal).join(', ')}`;
    case 'too_small': {
      const n = Number(iss.minimum);
      if (iss.origin === 'array' || iss.origin === 'set') return n === 1 ? 'expected at least one item' : `expected at least ${n} items`;
      if (iss.origin === 'string') return n === 1 ? 'expected a non-empty string' : `expected at least ${n} characters`;
      return iss.inclusive === false ? `expected more than ${n}` : `expected at least ${n}`;
    }
    case 'too_big': {
      const n = Number(iss.maximum);
      if (iss.origin === 'array' || iss.origin === 'set') return `expected at most ${n} item${n === 1 ? '' : 's'}`;
      if (iss.origin === 'string') return `expected at most ${n} characters`;
      return iss.inclusive === false ? `expected less than ${n}` : `expected at most ${n}`;
    }
    case 'invalid_format':
      if (iss.format === 'url') return 'expected a URL';
      if (iss.format === 'regex' && iss.pattern) return `expected a string matching ${iss.pattern}`;
      return `expected a valid ${iss.format}`;
    case 'not_multiple_of':
      return `expected a multiple of ${String(iss.divisor)}`;
    case 'unrecognized_keys':
      return `unknown key${iss.keys.length === 1 ? '' : 's'} ${iss.keys.map((k) => `"${k}"`).join(', ')}`;
    case 'invalid_key':
      return 'invalid key';
    case 'invalid_union':
      return 'expected one of the allowed forms';
    default:
      return 'invalid value';
  }
};

/** What a union branch wanted at its root, as a phrase for `expected ...`. */
function expectation(issue: Issue): string {
  if (issue.code === 'invalid_type') return expectedName(issue.expected);
  if (issue.code === 'invalid_value') return alternatives(issue.values.map(literal));
  return issue.message.replace(/^expected /, '');
}

/** A branch that failed on the value's type (or enum value) at its root did not match the value's shape at all. */
function missedShape(branch: readonly Issue[]): boolean {
  return branch.some((i) => i.path.length === 0 && (i.code === 'invalid_type' || i.code === 'invalid_value'));
}

export function valueAt(data: unknown, path: DefPath): unknown {
  let v: unknown = data;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

interface Collected extends Finding {
  readonly unknownKey?: boolean;
  readonly kindMissing?: boolean;
}

function collect(issue: Issue, base: DefPath, data: unknown, schema: z.core.$ZodType, out: Collected[]): void {
  const at = [...base, ...(issue.path as (string | number)[])];
  switch (issue.code) {
    case 'unrecognized_keys':
      for (const key of issue.keys) {
        out.push({ path: at, linePath: [...at, key], message: `unknown key "${key}"${suggestion(key, knownKeys(schema, at))}`, unknownKey: true });
      }
      return;
    case 'invalid_union': {
      const matched = issue.errors.filter((branch) => !missedShape(branch));
      if (matched.length === 1) {
        for (const inner of matched[0]) collect(inner, at, data, schema, out);
        return;
      }
      const forms = [...new Set(issue.errors.map((b) => b.find((i) => i.path.length === 0)).filter((i) => i !== undefined).map(expectation))];
      const joined = forms.some((f) => f.includes(' or ')) ? forms.join(', or ') : alternatives(forms);
      const value = valueAt(data, at);
      const typeMismatch = issue.errors.every((b) => b.some((i) => i.path.length === 0 && i.code === 'invalid_type'));
      out.push({ path: at, message: `expected ${joined}${typeMismatch && value !== undefined ? `, got ${kindOf(value)}` : ''}` });
      return;
    }
    case 'invalid_key':
      out.push({ path: at, message: issue.issues.map((i) => i.message).join('; ') || 'invalid key' });
      return;
    case 'invalid_type':
      if (at.length > 0 && valueAt(data, at) === undefined) {
        const parent = at.slice(0, -1);
        out.push({ path: parent, message: `missing required key "${String(at[at.length - 1])}"` });
        return;
      }
      out.push({ path: at, message: issue.message });
      return;
    case 'custom': {
      const params = issue.params as { kinds?: readonly string[]; present?: readonly string[] } | undefined;
      out.push({ path: at, message: issue.message, kindMissing: params?.kinds !== undefined && params.present?.length === 0 });
      return;
    }
    default:
      out.push({ path: at, message: issue.message });
  }
}

/**
 * Findings for every issue (not just the first). A union reports the branch the value was evidently written for, or
 * what each branch expected. "No step kind" next to an unknown key at the same place is dropped: the typo is the news.
 */
export function findingsOf(issues: readonly Issue[], data: unknown, schema: z.core.$ZodType): Finding[] {
  const all: Collected[] = [];
  for (const issue of issues) collect(issue, [], data, schema, all);
  const withUnknownKey = new Set(all.filter((f) => f.unknownKey).map((f) => JSON.stringify(f.path)));
  return all
    .filter((f) => !(f.kindMissing && withUnknownKey.has(JSON.stringify(f.path))))
    .map(({ path, message, linePath }) => (linePath ? { path, message, linePath } : { path, message }));
}

// --- known keys, for "did you mean" -------------------------------------------------------------------------------

interface LooseDef {
  type: string;
  innerType?: Schema;
  in?: Schema;
  shape?: Record<string, Schema>;
  element?: Schema;
  valueType?: Schema;
  options?: Schema[];
  getter?: () => Schema;
}
interface Schema {
  _zod: { def: LooseDef };
}

const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'catch', 'readonly', 'nonoptional']);

function unwrap(s: Schema, depth = 0): Schema[] {
  if (depth > 20) return [];
  const d = s._zod.def;
  if (WRAPPERS.has(d.type) && d.innerType) return unwrap(d.innerType, depth + 1);
  if (d.type === 'pipe' && d.in) return unwrap(d.in, depth + 1);
  if (d.type === 'lazy' && d.getter) return unwrap(d.getter(), depth + 1);
  if (d.type === 'union' && d.options) return d.options.flatMap((o) => unwrap(o, depth + 1));
  return [s];
}

function child(s: Schema, seg: string | number): Schema[] {
  const d = s._zod.def;
  if (d.type === 'object' && typeof seg === 'string' && d.shape && seg in d.shape) return [d.shape[seg]];
  if (d.type === 'array' && typeof seg === 'number' && d.element) return [d.element];
  if (d.type === 'record' && d.valueType) return [d.valueType];
  return [];
}

/** The keys an object at `path` may have, according to the schema (every union branch that fits the path). */
export function knownKeys(schema: z.core.$ZodType, path: DefPath): string[] {
  let current: Schema[] = unwrap(schema as unknown as Schema);
  for (const seg of path) current = current.flatMap((s) => child(s, seg)).flatMap((s) => unwrap(s));
  const keys = current.flatMap((s) => (s._zod.def.type === 'object' && s._zod.def.shape ? Object.keys(s._zod.def.shape) : []));
  return [...new Set(keys)];
}

/** Optimal string alignment distance: edits, with a swap of neighbours counting as one. */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

function suggestion(key: string, known: readonly string[]): string {
  const limit = key.length >= 5 ? 2 : 1;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const dist = k.toLowerCase() === key.toLowerCase() ? 0 : distance(key, k);
    if (dist <= limit && dist < bestDistance) {
      best = k;
      bestDistance = dist;
    }
  }
  return best === undefined ? '' : ` (did you mean "${best}"?)`;
}
