/**
 * `${NAME}` and `${NAME:-default}` in configuration strings.
 *
 * - `${NAME}` is the variable's value; an unset variable is a problem (an empty one is its value, the empty string).
 * - `${NAME:-default}` is the default when the variable is unset or empty (as in POSIX shells and Docker Compose).
 *   The default runs to the first `}` and is taken literally: placeholders do not nest.
 * - `$${` is a literal `${`; a `$` anywhere else is literal too (JSONata's `$sum`, `$$`).
 * - Anything else that opens with `${` (`${ NAME }`, `${1X}`, an unclosed `${`) is a problem rather than text
 *   passed through, so that a typo never reaches a target.
 */

export type Env = Readonly<Record<string, string | undefined>>;

export interface Interpolated {
  readonly value: string;
  /** Variables used without a default and not set. */
  readonly missing: readonly string[];
  /** Malformed placeholders, as written in the file (never a value). */
  readonly invalid: readonly string[];
  /** True when at least one placeholder was replaced. */
  readonly replaced: boolean;
}

const PLACEHOLDER = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([^]*))?$/;
const SHOWN = 40;

/** Applies interpolation to one string. Never throws; problems are returned for the caller to place. */
export function interpolate(template: string, env: Env): Interpolated {
  if (!template.includes('${')) return { value: template, missing: [], invalid: [], replaced: false };
  let out = '';
  const missing: string[] = [];
  const invalid: string[] = [];
  let replaced = false;
  let i = 0;
  while (i < template.length) {
    if (template.startsWith('$${', i)) {
      out += '${';
      i += 3;
      continue;
    }
    if (!template.startsWith('${', i)) {
      out += template[i];
      i += 1;
      continue;
    }
    const close = template.indexOf('}', i + 2);
    const written = close < 0 ? template.slice(i) : template.slice(i, close + 1);
    const m = close < 0 ? null : PLACEHOLDER.exec(template.slice(i + 2, close));
    if (!m || (m[2] !== undefined && m[2].includes('${'))) {
      invalid.push(written.length > SHOWN ? `${written.slice(0, SHOWN)}...` : written);
      i += written.length;
      continue;
    }
    const [, name, fallback] = m;
    const value = env[name];
    replaced = true;
    if (fallback !== undefined && (value === undefined || value === '')) out += fallback;
    else if (value === undefined) missing.push(name);
    else out += value;
    i = close + 1;
  }
  return { value: out, missing, invalid, replaced };
}

/** True when the whole string is exactly one placeholder (`${PORT}`, `${PORT:-8080}`). */
export function isWholePlaceholder(template: string): boolean {
  if (!template.startsWith('${') || !template.endsWith('}')) return false;
  const inner = template.slice(2, -1);
  return !inner.includes('}') && PLACEHOLDER.test(inner);
}
