import { ConfigError } from '@junction/core';
import type { FlatFieldType } from './flat-format.types';

/**
 * Typed field values, shared by CSV and fixed width: text <-> integer, decimal (with implied decimals), date. Parsers
 * return the value or a `Refusal` (a reason, no throw) so that a file's problems are all collected; writers likewise.
 */
export class Refusal {
  constructor(readonly reason: string) {}
}

export interface ValueCodec {
  /** Text (padding removed) -> value; empty text is null for typed fields. */
  read(text: string): unknown;
  /** Value -> text, before padding; null and undefined are ''. */
  write(value: unknown): string | Refusal;
}

/**
 * The codec of a field type. `implied` (fixed width): decimals are implied, never written as a point. Else (CSV) a
 * decimal is written with `decimals` places when given, as JavaScript writes the number when not.
 */
export function valueCodec(type: FlatFieldType, options: { decimals?: number; format?: string; implied: boolean }): ValueCodec {
  const { decimals, format, implied } = options;
  switch (type) {
    case 'string':
      return { read: (t) => t, write: writeString };
    case 'integer':
      return { read: readInteger, write: (v) => writeNumber(v, 0, 'integer') };
    case 'decimal':
      if (implied) return { read: (t) => readImplied(t, decimals ?? 0), write: (v) => writeNumber(v, decimals ?? 0, 'implied') };
      return { read: readDecimal, write: decimals === undefined ? writePlain : (v) => writeNumber(v, decimals, 'point') };
    case 'date':
      return dateCodec(format ?? (implied ? 'YYYYMMDD' : 'YYYY-MM-DD'));
  }
}

/** A record's values in column order: an object by name, an array by position. */
export function valuesOf(record: unknown, names: readonly string[]): readonly unknown[] | Refusal {
  if (Array.isArray(record)) {
    if (record.length !== names.length) return new Refusal(`${record.length} values, expected ${names.length}`);
    return record;
  }
  if (record === null || typeof record !== 'object') return new Refusal('a record is an object or an array of values');
  const object = record as Record<string, unknown>;
  return names.map((n) => object[n]);
}

function writeString(value: unknown): string | Refusal {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return new Refusal(`expected a text value, got ${Array.isArray(value) ? 'an array' : 'an object'}`);
}

const INTEGER = /^([+-]?)(\d+)([+-]?)$/;

function signOf(m: RegExpMatchArray): string | Refusal {
  if (m[1] && m[3]) return new Refusal('two signs');
  return m[1] === '-' || m[3] === '-' ? '-' : '';
}

function readInteger(text: string): unknown {
  if (text === '') return null;
  const m = INTEGER.exec(text);
  if (!m) return new Refusal(`${quote(text)} is not an integer`);
  const sign = signOf(m);
  if (sign instanceof Refusal) return sign;
  const n = Number(sign + m[2]);
  if (!Number.isSafeInteger(n)) return new Refusal(`${quote(text)} is too large for an integer`);
  return n;
}

function readImplied(text: string, decimals: number): unknown {
  if (text === '') return null;
  const m = INTEGER.exec(text);
  if (!m) return new Refusal(`${quote(text)} is not a number with ${decimals} implied decimals`);
  const sign = signOf(m);
  if (sign instanceof Refusal) return sign;
  const digits = m[2].padStart(decimals + 1, '0');
  const point = digits.length - decimals;
  return Number(`${sign}${digits.slice(0, point)}${decimals > 0 ? '.' + digits.slice(point) : ''}`);
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function readDecimal(text: string): unknown {
  if (text === '') return null;
  if (!DECIMAL.test(text)) return new Refusal(`${quote(text)} is not a number`);
  return Number(text);
}

function numberOf(value: unknown): number | Refusal {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) return new Refusal(`expected a number, got ${describe(value)}`);
  return n;
}

function writePlain(value: unknown): string | Refusal {
  if (value === null || value === undefined) return '';
  const n = numberOf(value);
  return n instanceof Refusal ? n : String(n);
}

/**
 * A number as digits with `decimals` places, rounded half away from zero on its shortest decimal form (so 1.005 is
 * 1.01, as written). `implied`: without the point (`123.45` with 2 -> `12345`); `point`: with it.
 */
function writeNumber(value: unknown, decimals: number, style: 'integer' | 'implied' | 'point'): string | Refusal {
  if (value === null || value === undefined) return '';
  const n = numberOf(value);
  if (n instanceof Refusal) return n;
  if (style === 'integer' && !Number.isInteger(n)) return new Refusal(`${String(value)} is not an integer`);
  const [sign, digits] = scaled(n, decimals);
  if (style !== 'point' || decimals === 0) return sign + digits;
  const whole = digits.slice(0, digits.length - decimals) || '0';
  return `${sign}${whole.replace(/^0+(?=\d)/, '')}.${digits.slice(digits.length - decimals)}`;
}

/** [sign, digits of |n| * 10^decimals rounded half away from zero]. */
function scaled(n: number, decimals: number): [string, string] {
  const sign = n < 0 ? '-' : '';
  let text = String(Math.abs(n));
  if (/e/i.test(text)) text = Math.abs(n).toFixed(Math.min(100, decimals + 20));
  const [int, frac = ''] = text.split('.');
  const kept = int + frac.slice(0, decimals).padEnd(decimals, '0');
  let digits = BigInt(kept);
  if (frac.length > decimals && frac.charCodeAt(decimals) >= 53 /* '5' */) digits += 1n;
  const out = digits.toString();
  return [out === '0' ? '' : sign, out];
}

const TOKEN = /YYYY|MM|DD|HH|mm|ss/g;

function dateCodec(format: string): ValueCodec {
  const tokens: { token: string; at: number }[] = [];
  for (const m of format.matchAll(TOKEN)) tokens.push({ token: m[0], at: m.index });
  if (!tokens.some((t) => t.token === 'YYYY') || !tokens.some((t) => t.token === 'MM') || !tokens.some((t) => t.token === 'DD')) {
    throw new ConfigError(`date format ${format} needs YYYY, MM and DD`);
  }
  const timed = tokens.some((t) => t.token === 'HH');
  const shape = new RegExp(`^${format.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(TOKEN, (t) => `\\d{${t.length}}`)}$`);
  const read = (text: string): unknown => {
    if (text === '' || /^0+$/.test(text)) return null;
    if (!shape.test(text)) return new Refusal(`${quote(text)} is not a date as ${format}`);
    const part = (token: string) => {
      const t = tokens.find((x) => x.token === token);
      return t ? text.slice(t.at, t.at + token.length) : '00';
    };
    const [y, mo, d, h, mi, s] = ['YYYY', 'MM', 'DD', 'HH', 'mm', 'ss'].map(part);
    const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
    if (date.getUTCMonth() !== Number(mo) - 1 || date.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) {
      return new Refusal(`${quote(text)} is not a valid date`);
    }
    return timed ? `${y}-${mo}-${d}T${h}:${mi}:${s}` : `${y}-${mo}-${d}`;
  };
  const write = (value: unknown): string | Refusal => {
    if (value === null || value === undefined || value === '') return '';
    const iso = value instanceof Date ? value.toISOString() : typeof value === 'string' ? value : undefined;
    const m = iso === undefined ? null : /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(iso);
    if (!m) return new Refusal(`expected a date (YYYY-MM-DD), got ${describe(value)}`);
    const parts: Record<string, string> = { YYYY: m[1], MM: m[2], DD: m[3], HH: m[4] ?? '00', mm: m[5] ?? '00', ss: m[6] ?? '00' };
    return format.replace(TOKEN, (t) => parts[t]);
  };
  return { read, write };
}

function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? text.slice(0, 40) + '...' : text);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return quote(String(value));
}
