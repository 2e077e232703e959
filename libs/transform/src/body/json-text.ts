import { InputError } from '@junction/core';
import { describePosition } from '../text-position';

/**
 * Parses JSON text. Throws InputError `JSON_MALFORMED` (400) whose message gives the parser's reason and the line and
 * column of the first offending character. A leading byte order mark is ignored.
 */
export function parseJsonText(text: string): unknown {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return JSON.parse(text);
  } catch (err) {
    // V8 names a position only for some errors ("Unexpected token ..." has none), so locate it ourselves.
    const at = jsonErrorOffset(text);
    // V8 quotes (part of) the input in some messages; the position says where, without echoing the payload.
    const reason = (err as Error).message.replace(/, (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, '');
    throw new InputError('JSON_MALFORMED', `Malformed JSON: ${reason} (${describePosition(text, at)})`, 400, err);
  }
}

const enum State {
  Value,
  ValueOrEndArray,
  Key,
  KeyOrEndObject,
  Colon,
  AfterValue,
}

/**
 * Offset of the first character that makes `text` invalid JSON (the text's length when it ends early). A linear scan
 * with an explicit stack, so that deep nesting cannot overflow it; only called after JSON.parse failed.
 */
export function jsonErrorOffset(text: string): number {
  const len = text.length;
  const stack: number[] = []; // 0x5b for arrays, 0x7b for objects
  let state = State.Value;
  let i = 0;
  for (;;) {
    while (i < len && isJsonSpace(text.charCodeAt(i))) i++;
    if (i >= len) return len;
    const c = text.charCodeAt(i);
    switch (state) {
      case State.Value:
      case State.ValueOrEndArray:
        if (c === 0x5d /* ] */ && state === State.ValueOrEndArray) {
          stack.pop();
          state = State.AfterValue;
          i++;
        } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
          stack.push(c);
          state = c === 0x7b ? State.KeyOrEndObject : State.ValueOrEndArray;
          i++;
        } else {
          const end = scanScalar(text, i);
          if (end < 0) return -end - 1;
          state = State.AfterValue;
          i = end;
        }
        break;
      case State.Key:
      case State.KeyOrEndObject:
        if (c === 0x7d /* } */ && state === State.KeyOrEndObject) {
          stack.pop();
          state = State.AfterValue;
          i++;
        } else if (c === 0x22 /* " */) {
          const end = scanString(text, i);
          if (end < 0) return -end - 1;
          state = State.Colon;
          i = end;
        } else {
          return i;
        }
        break;
      case State.Colon:
        if (c !== 0x3a /* : */) return i;
        state = State.Value;
        i++;
        break;
      case State.AfterValue: {
        const top = stack[stack.length - 1];
        if (top === undefined) return i; // text after the value
        if (c === 0x2c /* , */) state = top === 0x5b ? State.Value : State.Key;
        else if (c === (top === 0x5b ? 0x5d : 0x7d)) stack.pop();
        else return i;
        i++;
        break;
      }
    }
  }
}

function isJsonSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

// Scanners return the index after the token, or -(errorIndex + 1) when the token is invalid.
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

function scanScalar(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === 0x22) return scanString(text, i);
  for (const word of ['true', 'false', 'null']) {
    if (c === word.charCodeAt(0)) {
      for (let k = 1; k < word.length; k++) if (text.charCodeAt(i + k) !== word.charCodeAt(k)) return -(i + k) - 1;
      return i + word.length;
    }
  }
  NUMBER.lastIndex = i;
  const m = NUMBER.exec(text);
  // No number here: the fault is the character after a lone minus, or this one.
  if (!m) return -(c === 0x2d ? i + 1 : i) - 1;
  return i + m[0].length;
}

function scanString(text: string, i: number): number {
  for (let k = i + 1; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (c === 0x22) return k + 1;
    if (c < 0x20) return -k - 1;
    if (c === 0x5c /* \ */) {
      const e = text.charCodeAt(k + 1);
      if (e === 0x75 /* u */) {
        if (!/^[0-9a-fA-F]{4}$/.test(text.slice(k + 2, k + 6))) return -(k + 1) - 1;
        k += 5;
      } else if ('"\\/bfnrt'.includes(text[k + 1] ?? '')) {
        k++;
      } else {
        return -(k + 1) - 1;
      }
    }
  }
  return -text.length - 1;
}
