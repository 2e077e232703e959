/**
 * JSON values in the lexical form of XML Schema's built-in simple types, for the schema-driven writer.
 * - Strings are taken when they already are a valid lexical form of the type (checked), so XML read into JSON and
 *   written back keeps its text exactly; JSON numbers and booleans are converted:
 * - xs:boolean: `true` / `false` (also the strings "true", "false", "1", "0").
 * - xs:decimal: a number is written without exponent (`1e-7` -> `0.0000001`); the integer types also check their
 *   range (xs:int from -2147483648 to 2147483647, xs:unsignedShort 0..65535, ...), on big values too.
 * - xs:float / xs:double: `INF`, `-INF`, `NaN` for the non-finite values, else the number as JSON writes it.
 * - xs:dateTime: an ISO 8601 string with date and time (`2024-05-01T10:00:00Z`, offset optional), or a JSON number
 *   taken as milliseconds since 1970-01-01 UTC and written in UTC (`...Z`). xs:date: `YYYY-MM-DD` (offset
 *   optional), or such a number (its UTC date). xs:time: `hh:mm:ss(.s)` (offset optional).
 * - The string types (and types the table does not know) take strings, numbers and booleans as text.
 * A value of the wrong kind (an object, a string not in the type's lexical space, an integer out of range) throws an
 * Error saying what was expected; the writer adds the path.
 */
export function lexicalForm(builtin: string, value: unknown): string {
  if (value === null || typeof value === 'object') throw new Error(`expected a ${builtin} value, got ${Array.isArray(value) ? 'an array' : typeof value === 'object' && value !== null ? 'an object' : 'null'}`);
  const check = CHECKS[builtin];
  if (check) return check(value, builtin);
  const range = INTEGER_RANGES[builtin];
  if (range) return integer(value, builtin, range);
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new Error(`expected a ${builtin} value, got ${typeof value}`);
}

/** Whether `builtin` is a type the writer knows by name (so it ends a chain of derivation). */
export function isKnownBuiltin(builtin: string): boolean {
  return builtin in CHECKS || builtin in INTEGER_RANGES || STRINGS.has(builtin);
}

const STRINGS = new Set([
  'string', 'normalizedString', 'token', 'language', 'Name', 'NCName', 'ID', 'IDREF', 'IDREFS', 'ENTITY', 'ENTITIES',
  'NMTOKEN', 'NMTOKENS', 'anyURI', 'QName', 'NOTATION', 'anySimpleType', 'anyType', 'base64Binary', 'hexBinary',
  'duration', 'gYear', 'gYearMonth', 'gMonth', 'gMonthDay', 'gDay',
]);

type Check = (value: unknown, type: string) => string;

const TZ = '(Z|[+-](?:(?:0\\d|1[0-3]):[0-5]\\d|14:00))?';
const DATE = '-?(?:[1-9]\\d{4,}|\\d{4})-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\\d|3[01])';
const TIME = '(?:(?:[01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(?:\\.\\d+)?|24:00:00(?:\\.0+)?)';
const DATE_TIME = new RegExp(`^${DATE}T${TIME}${TZ}$`);
const DATE_ONLY = new RegExp(`^${DATE}${TZ}$`);
const TIME_ONLY = new RegExp(`^${TIME}${TZ}$`);
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
const INTEGER = /^[+-]?\d+$/;
const FLOAT = /^([+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|-?INF|NaN)$/;

const CHECKS: Record<string, Check> = {
  boolean: (v, t) => {
    if (typeof v === 'boolean') return String(v);
    if (typeof v === 'string' && ['true', 'false', '1', '0'].includes(v.trim())) return v.trim();
    throw wrong(t, v, 'true or false');
  },
  decimal: (v, t) => {
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw wrong(t, v, 'a finite number');
      return plainDecimal(v);
    }
    if (typeof v === 'string' && DECIMAL.test(v.trim())) return v.trim();
    throw wrong(t, v, 'a decimal number without exponent');
  },
  float: floating,
  double: floating,
  dateTime: (v, t) => {
    if (typeof v === 'number') return epoch(v, t);
    if (typeof v === 'string' && DATE_TIME.test(v.trim())) return v.trim();
    throw wrong(t, v, 'an ISO 8601 date and time such as 2024-05-01T10:00:00Z, or milliseconds since 1970');
  },
  date: (v, t) => {
    if (typeof v === 'number') return epoch(v, t).slice(0, 10);
    if (typeof v === 'string' && DATE_ONLY.test(v.trim())) return v.trim();
    throw wrong(t, v, 'a date such as 2024-05-01');
  },
  time: (v, t) => {
    if (typeof v === 'string' && TIME_ONLY.test(v.trim())) return v.trim();
    throw wrong(t, v, 'a time such as 10:00:00');
  },
};

function floating(v: unknown, t: string): string {
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : v === Infinity ? 'INF' : v === -Infinity ? '-INF' : String(v);
  if (typeof v === 'string' && FLOAT.test(v.trim())) return v.trim();
  throw wrong(t, v, 'a number');
}

function epoch(ms: number, t: string): string {
  const d = new Date(ms);
  if (!Number.isFinite(ms) || Number.isNaN(d.getTime())) throw wrong(t, ms, 'milliseconds since 1970 within the date range');
  return d.toISOString();
}

const INT64 = 2n ** 63n;
const INTEGER_RANGES: Record<string, readonly [bigint | undefined, bigint | undefined]> = {
  integer: [undefined, undefined],
  nonPositiveInteger: [undefined, 0n],
  negativeInteger: [undefined, -1n],
  nonNegativeInteger: [0n, undefined],
  positiveInteger: [1n, undefined],
  long: [-INT64, INT64 - 1n],
  int: [-(2n ** 31n), 2n ** 31n - 1n],
  short: [-32768n, 32767n],
  byte: [-128n, 127n],
  unsignedLong: [0n, 2n ** 64n - 1n],
  unsignedInt: [0n, 2n ** 32n - 1n],
  unsignedShort: [0n, 65535n],
  unsignedByte: [0n, 255n],
};

function integer(v: unknown, t: string, [min, max]: readonly [bigint | undefined, bigint | undefined]): string {
  let text: string;
  if (typeof v === 'number' && Number.isInteger(v)) text = plainDecimal(v);
  else if (typeof v === 'string' && INTEGER.test(v.trim())) text = v.trim();
  else throw wrong(t, v, 'an integer');
  const n = BigInt(text.replace(/^\+/, ''));
  if ((min !== undefined && n < min) || (max !== undefined && n > max)) {
    throw new Error(`${JSON.stringify(v)} is out of the range of ${t} (${min ?? '-∞'} to ${max ?? '∞'})`);
  }
  return text;
}

/** A finite number in plain decimal notation (no exponent), as exact as its shortest round-trip digits. */
export function plainDecimal(n: number): string {
  const s = String(n);
  const m = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const [, sign, int, frac = '', expText] = m;
  const exp = Number(expText);
  const digits = int + frac;
  const point = int.length + exp;
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`.replace(/\.?0+$/, '');
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

function wrong(type: string, value: unknown, expected: string): Error {
  const shown = typeof value === 'string' ? JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value) : String(value);
  return new Error(`${shown} is not a valid ${type}: expected ${expected}`);
}
