import { ConfigError } from '@junction/core';
import { ProblemList } from './flat-format.error';
import type { FixedWidthFieldDef, FixedWidthFormatDef, FlatCodec, FlatRecord } from './flat-format.types';
import { charsetName, decodeFlat, encodeFlat, flatEncoding } from './flat-text';
import { Refusal, type ValueCodec, valueCodec, valuesOf } from './flat-values';

interface Field {
  readonly name: string;
  readonly start: number;
  readonly length: number;
  readonly pad: string;
  readonly right: boolean;
  readonly typed: boolean;
  readonly skip: boolean;
  readonly codec: ValueCodec;
}

/**
 * Where the fields of a fixed-width layout leave columns undeclared or claim one twice, as messages; empty when the
 * fields tile columns 1 to the record length. The route schema runs the same check when a route loads.
 */
export function fixedWidthLayoutProblems(fields: readonly Pick<FixedWidthFieldDef, 'name' | 'start' | 'length'>[]): string[] {
  const problems: string[] = [];
  const sorted = [...fields].sort((a, b) => a.start - b.start);
  let next = 1;
  let previous: (typeof sorted)[number] | undefined;
  for (const f of sorted) {
    const end = f.start + f.length - 1;
    if (f.start > next) problems.push(`columns ${next}-${f.start - 1} belong to no field (declare a filler: skip: true)`);
    else if (f.start < next && previous) {
      problems.push(`fields ${previous.name} (${previous.start}-${next - 1}) and ${f.name} (${f.start}-${end}) overlap`);
    }
    if (end + 1 > next) {
      next = end + 1;
      previous = f;
    }
  }
  return problems;
}

/**
 * A fixed-width format compiled once. Positions count characters of the decoded text (bytes, for single-byte
 * encodings). A record is one line; a line of another length than the layout's is malformed, except that spaces past
 * the end are allowed (editors and some exports pad lines).
 */
export function compileFixedWidth(def: FixedWidthFormatDef): FlatCodec {
  if (def.fields.length === 0) throw new ConfigError('a fixed-width format needs fields');
  const layout = fixedWidthLayoutProblems(def.fields);
  if (layout.length > 0) throw new ConfigError(`fixed-width layout: ${layout.join('; ')}`, layout);
  const fields = [...def.fields].sort((a, b) => a.start - b.start).map(field);
  const names = fields.filter((f) => !f.skip).map((f) => f.name);
  if (new Set(names).size !== names.length) throw new ConfigError('fixed-width field names must be distinct');
  const width = Math.max(...fields.map((f) => f.start + f.length - 1));
  const encoding = flatEncoding(def.encoding, false);
  const recordDelimiter = def.recordDelimiter ?? '\n';
  const read = fields.filter((f) => !f.skip);

  const parseText = (decoded: string): FlatRecord[] => {
    const text = decoded.charCodeAt(0) === 0xfeff ? decoded.slice(1) : decoded;
    const lines = text.split('\n');
    // A final line break ends the last record rather than starting an empty one.
    if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    const problems = new ProblemList();
    const out: FlatRecord[] = [];
    lines.forEach((raw, index) => {
      const lineNo = index + 1;
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (line.length < width) return problems.add(lineNo, `${line.length} characters, a record has ${width}`);
      if (line.length > width && line.slice(width).trim() !== '') {
        return problems.add(lineNo, `${line.length} characters, a record has ${width}`);
      }
      const record: Record<string, unknown> = {};
      let bad = false;
      for (const f of read) {
        const value = readField(f, line.slice(f.start - 1, f.start - 1 + f.length));
        if (value instanceof Refusal) {
          problems.add(lineNo, `${f.name} (columns ${f.start}-${f.start + f.length - 1}): ${value.reason}`);
          bad = true;
        } else record[f.name] = value;
      }
      if (!bad) out.push({ line: lineNo, record });
    });
    problems.throwIfAny();
    return out;
  };

  const write = (input: readonly unknown[] | object): Buffer => {
    const records: readonly unknown[] = Array.isArray(input) ? input : [input];
    const problems = new ProblemList();
    const out: string[] = [];
    records.forEach((record, index) => {
      const values = valuesOf(record, names);
      if (values instanceof Refusal) return problems.add(index + 1, values.reason);
      let line = '';
      let v = 0;
      for (const f of fields) {
        if (f.skip) {
          line += f.pad.repeat(f.length);
          continue;
        }
        const text = writeField(f, values[v++]);
        if (text instanceof Refusal) problems.add(index + 1, `${f.name}: ${text.reason}`);
        else line += text;
      }
      out.push(line);
    });
    problems.throwIfAny('unwritable');
    return encodeFlat(out.length === 0 ? '' : out.join(recordDelimiter) + recordDelimiter, encoding, false);
  };

  const parseNumbered = (bytes: Buffer): FlatRecord[] => parseText(decodeFlat(bytes, encoding));

  return {
    parse: (bytes) => parseNumbered(bytes).map((r) => r.record),
    parseNumbered,
    parseText,
    write,
    contentType: `text/plain; charset=${charsetName(encoding)}`,
  };
}

function field(def: FixedWidthFieldDef): Field {
  if (!Number.isInteger(def.start) || def.start < 1) throw new ConfigError(`field ${def.name}: start is a column from 1`);
  if (!Number.isInteger(def.length) || def.length < 1) throw new ConfigError(`field ${def.name}: length is at least 1`);
  const type = def.type ?? 'string';
  const numeric = type === 'integer' || type === 'decimal';
  const codec = valueCodec(type, { decimals: def.decimals, format: def.format, implied: true });
  if (type === 'date' && (def.format ?? 'YYYYMMDD').length > def.length) {
    throw new ConfigError(`field ${def.name}: date format ${def.format ?? 'YYYYMMDD'} is longer than ${def.length} characters`);
  }
  return {
    name: def.name,
    start: def.start,
    length: def.length,
    pad: def.pad ?? (numeric ? '0' : ' '),
    right: (def.align ?? (numeric ? 'right' : 'left')) === 'right',
    typed: type !== 'string',
    skip: def.skip ?? false,
    codec,
  };
}

function readField(f: Field, raw: string): unknown {
  // A typed field left blank (all spaces) is null whatever its padding.
  if (f.typed && raw.trim() === '') return null;
  let text = raw;
  if (f.right) {
    let i = 0;
    while (i < text.length && text[i] === f.pad) i++;
    text = text.slice(i);
  } else {
    let j = text.length;
    while (j > 0 && text[j - 1] === f.pad) j--;
    text = text.slice(0, j);
  }
  if (f.typed) {
    text = text.trim();
    // `-0012345`: the sign stands before zero padding.
    if (f.pad === '0' && /^[+-]0*\d/.test(text)) text = text[0] + (text.slice(1).replace(/^0+(?=\d)/, ''));
    if (text === '' && f.pad === '0') text = '0';
  }
  return f.codec.read(text);
}

function writeField(f: Field, value: unknown): string | Refusal {
  const text = f.codec.write(value);
  if (text instanceof Refusal) return text;
  if (text === '' && f.typed) return ' '.repeat(f.length);
  if (text.length > f.length) return new Refusal(`${JSON.stringify(text)} is longer than ${f.length} characters`);
  const fill = f.pad.repeat(f.length - text.length);
  // A negative number padded with zeros keeps its sign in front: -0012345.
  if (f.pad === '0' && f.right && text.startsWith('-')) return '-' + fill + text.slice(1);
  return f.right ? fill + text : text + fill;
}
