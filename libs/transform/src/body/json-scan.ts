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

const enum State {
  Value,
  ValueOrEndArray,
  Key,
  KeyOrEndObject,
  AfterValue,
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
  const { maxDepth, duplicates } = options;
  const len = text.length;
  const stack: number[] = [];
  const keys = duplicates ? new OpenObjectKeys(text) : undefined;
  const strings = new StringScanner(text);
  let state = State.Value;
  let i = 0;
  for (;;) {
    i = skipSpace(text, i);
    if (i >= len) return state === State.AfterValue && stack.length === 0 ? undefined : malformed(len);
    const c = text.charCodeAt(i);
    switch (state) {
      case State.Value:
      case State.ValueOrEndArray: {
        if (c === Char.OpenObject || c === Char.OpenArray) {
          if (stack.length >= maxDepth) return { kind: 'depth', at: i };
          if (c === Char.OpenObject) keys?.open();
          stack.push(c);
          state = c === Char.OpenObject ? State.KeyOrEndObject : State.ValueOrEndArray;
          i++;
          break;
        }
        if (c === Char.CloseArray && state === State.ValueOrEndArray) {
          stack.pop();
          state = State.AfterValue;
          i++;
          break;
        }
        const end = c === Char.Quote ? strings.scan(i) : scanScalar(text, i, c);
        if (end < 0) return malformed(-end - 1);
        state = State.AfterValue;
        i = end;
        break;
      }
      case State.Key:
      case State.KeyOrEndObject: {
        if (c === Char.CloseObject && state === State.KeyOrEndObject) {
          keys?.close();
          stack.pop();
          state = State.AfterValue;
          i++;
          break;
        }
        if (c !== Char.Quote) return malformed(i);
        const end = strings.scan(i);
        if (end < 0) return malformed(-end - 1);
        const escaped = strings.escaped;
        if (keys && !keys.add(i + 1, end - 1, escaped)) return { kind: 'duplicate', at: i, key: keys.decode(i + 1, end - 1, escaped) };
        // The colon is taken here rather than in a state of its own: one turn of the loop less for every key.
        i = skipSpace(text, end);
        if (text.charCodeAt(i) !== Char.Colon) return malformed(i);
        state = State.Value;
        i++;
        break;
      }
      case State.AfterValue: {
        const top = stack[stack.length - 1];
        if (top === undefined) return malformed(i); // text after the value
        if (c === Char.Comma) state = top === Char.OpenArray ? State.Value : State.Key;
        else if (c === Char.CloseArray && top === Char.OpenArray) stack.pop();
        else if (c === Char.CloseObject && top === Char.OpenObject) {
          keys?.close();
          stack.pop();
        } else return malformed(i);
        i++;
        break;
      }
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
