/**
 * A validating scan of JSON text in one linear pass, with an explicit stack (no recursion, so no nesting can overflow
 * it), that builds nothing but the keys of the objects still open. It finds what JSON.parse refuses and what it lets
 * through but the bus must not: nesting deeper than a limit, and a key given twice in one object (JSON.parse keeps
 * the last value where other parsers keep the first, so a route and its target would read different bodies).
 */

import { OpenObjectKeys } from './json-keys';
import { StringScanner, scanScalar } from './json-tokens';

/** The first problem of a text, by offset in UTF-16 units. */
export type JsonProblem =
  | { readonly kind: 'malformed'; readonly at: number }
  /** `at`: the bracket that opens one level more than allowed. */
  | { readonly kind: 'depth'; readonly at: number }
  /** `at`: the opening quote of the key's second occurrence; `key` decoded (`"\u0072ole"` is `role`). */
  | { readonly kind: 'duplicate'; readonly at: number; readonly key: string };

export interface JsonScanOptions {
  /** Most arrays and objects open at once (a top-level object is depth 1). */
  readonly maxDepth: number;
  /** Whether a key given twice in one object is a problem. */
  readonly duplicates: boolean;
}

const enum Char {
  Tab = 0x09,
  Newline = 0x0a,
  Return = 0x0d,
  Space = 0x20,
  Quote = 0x22,
  Comma = 0x2c,
  Colon = 0x3a,
  OpenArray = 0x5b,
  CloseArray = 0x5d,
  OpenObject = 0x7b,
  CloseObject = 0x7d,
}

/**
 * The first problem of `text` in text order, or undefined for valid JSON within the options. Memory beyond the text
 * is one stack entry per open level and the keys of the open objects. A text JSON.parse accepts is accepted here
 * unless it breaks an option, and the reverse.
 */
export function scanJson(text: string, options: JsonScanOptions): JsonProblem | undefined {
  const { maxDepth } = options;
  const len = text.length;
  // The opening bracket of each open array or object, outermost first.
  const open: number[] = [];
  const keys = options.duplicates ? new OpenObjectKeys(text) : undefined;
  const strings = new StringScanner(text);

  /** The key and colon of an object member whose key should start at `i`: the index after the colon, or a problem. */
  const member = (i: number): number | JsonProblem => {
    if (text.charCodeAt(i) <= Char.Space) i = skipSpace(text, i);
    if (text.charCodeAt(i) !== Char.Quote) return malformed(i);
    const end = strings.scan(i);
    if (end < 0) return malformed(-end - 1);
    const escaped = strings.escaped;
    if (keys && !keys.add(i + 1, end - 1, escaped)) return { kind: 'duplicate', at: i, key: keys.decode(i + 1, end - 1, escaped) };
    i = text.charCodeAt(end) <= Char.Space ? skipSpace(text, end) : end;
    return text.charCodeAt(i) === Char.Colon ? i + 1 : malformed(i);
  };

  // Two alternating phases, without a state variable: a value starts at `i`, then what follows a complete value.
  // Whitespace is skipped by a call only where the next character may be some: the call costs more than the test,
  // and compact JSON has none.
  let i = 0;
  for (;;) {
    if (text.charCodeAt(i) <= Char.Space) i = skipSpace(text, i);
    const c = text.charCodeAt(i);
    if (c === Char.OpenObject || c === Char.OpenArray) {
      if (open.length >= maxDepth) return { kind: 'depth', at: i };
      const first = text.charCodeAt(i + 1) <= Char.Space ? skipSpace(text, i + 1) : i + 1;
      if (text.charCodeAt(first) === (c === Char.OpenObject ? Char.CloseObject : Char.CloseArray)) {
        i = first + 1; // empty: a complete value
      } else {
        open.push(c);
        if (c === Char.OpenArray) {
          i = first;
          continue;
        }
        keys?.open();
        const next = member(first);
        if (typeof next !== 'number') return next;
        i = next;
        continue;
      }
    } else {
      const end = c === Char.Quote ? strings.scan(i) : scanScalar(text, i, c);
      if (end < 0) return malformed(-end - 1);
      i = end;
    }
    // A value ended before `i`: close what it completes, up to a comma or the end of the text.
    for (;;) {
      if (text.charCodeAt(i) <= Char.Space) i = skipSpace(text, i);
      if (open.length === 0) return i < len ? malformed(i) : undefined;
      const top = open[open.length - 1];
      const d = text.charCodeAt(i);
      if (d === Char.Comma) {
        if (top === Char.OpenArray) {
          i++;
        } else {
          const next = member(i + 1);
          if (typeof next !== 'number') return next;
          i = next;
        }
        break;
      }
      if (d !== (top === Char.OpenArray ? Char.CloseArray : Char.CloseObject)) return malformed(i);
      if (top === Char.OpenObject) keys?.close();
      open.pop();
      i++;
    }
  }
}

function skipSpace(text: string, i: number): number {
  let c = text.charCodeAt(i);
  while (c === Char.Space || c === Char.Newline || c === Char.Return || c === Char.Tab) c = text.charCodeAt(++i);
  return i;
}

function malformed(at: number): JsonProblem {
  return { kind: 'malformed', at };
}
