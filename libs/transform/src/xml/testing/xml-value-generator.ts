/**
 * Random JSON values for the differential spec of the writer (xml-writer-differential.spec.ts): the convention's
 * shapes (attributes anywhere among the keys, `#text`, `#cdata`, `#mixed` lists, repeated elements as lists) and what
 * a step may hand the writer besides (numbers, booleans, null, undefined, Dates, nested lists, empty texts, empty
 * objects), with now and then what XML cannot carry: an invalid name, a control character, a lone surrogate, a list
 * where text must be, a misplaced special key. Seeded, so that a failure names a value that can be made again.
 */

type Random = () => number;
const pick = <T>(r: Random, list: readonly T[]): T => list[Math.floor(r() * list.length)];

const ELEMENT_NAMES = ['a', 'b', 'item', 'Order', 'soapenv:Body', 'm0:buyStocks', 'x.y', 'n-1', 'é', '_u', '名'];
const ATTRIBUTE_NAMES = ['@id', '@xmlns', '@xmlns:m0', '@lang', '@x.y', '@名'];
const BAD_NAMES = ['1a', 'a b', '', '-x', 'a<b', '@', '@1'];
const TEXTS = ['', ' ', 'hello', 'a & b', '<tag>', '"q"', "it's", 'x\r\ny', '\t\n', ']]>', 'über', '😀', '> gt', '\u00a0'];
const BAD_TEXTS = ['\u0000', 'a\u0001b', '\ud800', 'x\udfff', '\ufffe'];

function scalar(r: Random): unknown {
  const p = r();
  if (p < 0.55) return r() < 0.03 ? pick(r, BAD_TEXTS) : pick(r, TEXTS);
  if (p < 0.7) return pick(r, [0, -1.5, 42, 1e21, Number.NaN]);
  if (p < 0.78) return r() < 0.5;
  if (p < 0.88) return null;
  if (p < 0.93) return undefined;
  return new Date(Date.UTC(2024, 0, 2, 3, 4, 5));
}

function mixedEntry(r: Random, depth: number): unknown {
  const p = r();
  // Empty texts often: an element whose content is nothing but empty texts has its own form (see the writer).
  if (p < 0.35) return r() < 0.4 ? '' : pick(r, TEXTS);
  if (p < 0.45) return { '#cdata': pick(r, TEXTS) };
  if (p < 0.55) return { '#text': pick(r, TEXTS) };
  if (p < 0.6) return r() < 0.5 ? null : {};
  if (p < 0.62) return r() < 0.5 ? ['x'] : { '@id': '1' };
  return { [pick(r, ELEMENT_NAMES)]: value(r, depth + 1) };
}

function object(r: Random, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const n = Math.floor(r() * 5);
  for (let i = 0; i < n; i++) {
    const p = r();
    if (p < 0.25) out[r() < 0.02 ? pick(r, BAD_NAMES) : pick(r, ATTRIBUTE_NAMES)] = r() < 0.03 ? ['list'] : scalar(r);
    else if (p < 0.35) out['#text'] = r() < 0.02 ? { no: 1 } : scalar(r);
    else if (p < 0.4) out['#cdata'] = pick(r, r() < 0.03 ? BAD_TEXTS : TEXTS);
    else if (p < 0.48) out['#mixed'] = r() < 0.03 ? 'not a list' : Array.from({ length: Math.floor(r() * 4) }, () => mixedEntry(r, depth));
    else out[r() < 0.02 ? pick(r, BAD_NAMES) : pick(r, ELEMENT_NAMES)] = value(r, depth + 1);
  }
  return out;
}

/** One value at `depth`: deeper values lean to scalars, so that most stay small. */
export function value(r: Random, depth = 0): unknown {
  const p = r();
  if (depth > 6 || p < 0.3) return scalar(r);
  if (p < 0.45) return Array.from({ length: Math.floor(r() * 4) }, () => (r() < 0.1 ? [value(r, depth + 1)] : value(r, depth + 1)));
  return object(r, depth);
}

/** A value to write: mostly an object with one element key (the root), sometimes one the caller must name. */
export function generateValue(r: Random): unknown {
  const p = r();
  if (p < 0.7) {
    const root: Record<string, unknown> = { [pick(r, ELEMENT_NAMES)]: value(r, 1) };
    return r() < 0.1 ? { '?xml': r() < 0.5 ? { '@version': '1.0', '@encoding': 'x', '@standalone': 'yes' } : '', ...root } : root;
  }
  return value(r, 0);
}
