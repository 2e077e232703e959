import { ConfigError } from '@junction/core';
import type { CsvError } from 'csv-parse/sync';
import { ProblemList } from './flat-format.error';
import type { CsvColumnDef, CsvFormatDef, FlatCodec, FlatRecord, FlatWriteOptions } from './flat-format.types';
import { LineIndex, charsetName, decodeFlat, encodeFlat, flatEncoding } from './flat-text';
import { Refusal, type ValueCodec, quote as quoted, valueCodec, valuesOf } from './flat-values';

interface Column {
  readonly name: string;
  readonly codec: ValueCodec;
}

/**
 * A CSV format compiled once: csv-parse reads (quotes, doubled quotes, delimiters and line breaks inside quoted
 * fields, a byte order mark), csv-stringify writes (quoting what needs it). Line numbers are counted here from the
 * parser's byte offsets, as its own count goes wrong on CRLF files: a record is numbered by the line it starts on.
 */
export function compileCsv(def: CsvFormatDef): FlatCodec {
  // The CSV reader and writer are loaded by the first CSV format (a route that reads or writes one), not with the bus.
  const { CsvError, parse } = require('csv-parse/sync') as typeof import('csv-parse/sync');
  const { stringify } = require('csv-stringify/sync') as typeof import('csv-stringify/sync');
  const delimiter = def.delimiter ?? ',';
  const quote = def.quote ?? '"';
  if ([...delimiter].length !== 1) throw new ConfigError('a CSV delimiter is one character');
  if ([...quote].length !== 1 || quote === delimiter) throw new ConfigError('a CSV quote is one character, not the delimiter');
  const encoding = flatEncoding(def.encoding, def.bom);
  const declared = def.columns?.map((c) => column(typeof c === 'string' ? { name: c } : c));
  const header = def.header ?? declared === undefined;
  if (!header && !declared) throw new ConfigError('a CSV format without a header row names its columns');
  const names = declared?.map((c) => c.name);
  if (names && new Set(names).size !== names.length) throw new ConfigError('CSV column names must be distinct');
  const skipEmptyLines = def.skipEmptyLines ?? true;
  const recordDelimiter = def.recordDelimiter ?? '\n';
  const bom = def.bom ?? false;

  const parseText = (decoded: string): FlatRecord[] => {
    const text = decoded.charCodeAt(0) === 0xfeff ? decoded.slice(1) : decoded;
    // csv-parse counts `bytes` in UTF-8 whatever the input: its offsets index this buffer.
    const utf8 = Buffer.from(text, 'utf8');
    const lines = new LineIndex(utf8);
    const problems = new ProblemList();
    const out: FlatRecord[] = [];
    let columns = declared;
    let previousEnd = 0;
    let first = true;
    const startLine = (end: number): number => {
      let at = previousEnd;
      // Skipped empty lines lie between the previous record and this one.
      if (skipEmptyLines) while (at < end && (utf8[at] === 10 || utf8[at] === 13)) at++;
      previousEnd = end;
      return lines.lineAt(at);
    };
    const onRecord = (fields: string[], bytesRead: number): void => {
      const line = startLine(bytesRead);
      if (first && header) {
        first = false;
        if (!columns) {
          const problem = headerProblem(fields);
          if (problem) problems.add(line, problem);
          columns = fields.map((name) => ({ name, codec: valueCodec('string', { implied: false }) }));
        } else if (fields.length !== columns.length) {
          problems.add(line, `the header row has ${fields.length} fields, the format ${columns.length} columns`);
        }
        return;
      }
      first = false;
      if (!columns) return;
      if (fields.length !== columns.length) {
        problems.add(line, `${fields.length} field${fields.length === 1 ? '' : 's'}, expected ${columns.length}`);
        return;
      }
      const record: Record<string, unknown> = {};
      for (let i = 0; i < columns.length; i++) {
        const value = columns[i].codec.read(fields[i]);
        if (value instanceof Refusal) problems.add(line, `${columns[i].name}: ${quoted(fields[i])} ${value.reason}`);
        else record[columns[i].name] = value;
      }
      out.push({ line, record });
    };
    try {
      parse(text, {
        delimiter,
        quote,
        escape: quote,
        relax_column_count: true,
        skip_empty_lines: skipEmptyLines,
        on_record: (fields: string[], context: { bytes: number }) => {
          onRecord(fields, context.bytes);
          return null;
        },
      });
    } catch (err) {
      if (!(err instanceof CsvError)) throw err;
      const e = err as CsvError & { bytes?: number };
      problems.add(startLine(e.bytes ?? previousEnd), csvReason(e));
    }
    problems.throwIfAny();
    return out;
  };

  const write = (input: readonly unknown[] | object, options: FlatWriteOptions = {}): Buffer => {
    const records: readonly unknown[] = Array.isArray(input) ? input : [input];
    const columns = declared ?? keysOf(records);
    const problems = new ProblemList();
    const withHeader = header && !options.append;
    const offset = withHeader ? 1 : 0;
    const rows: string[][] = [];
    records.forEach((record, index) => {
      const line = index + 1 + offset;
      const values = valuesOf(record, columns.map((c) => c.name));
      if (values instanceof Refusal) return problems.add(line, values.reason);
      const row: string[] = [];
      for (let i = 0; i < columns.length; i++) {
        const text = columns[i].codec.write(values[i]);
        if (text instanceof Refusal) problems.add(line, `${columns[i].name}: ${text.reason}`);
        else row.push(text);
      }
      rows.push(row);
    });
    problems.throwIfAny('unwritable');
    if (columns.length === 0) return Buffer.alloc(0);
    const text = stringify(rows, {
      delimiter,
      quote,
      escape: quote,
      record_delimiter: recordDelimiter === '\r\n' ? 'windows' : 'unix',
      header: withHeader,
      columns: columns.map((c) => c.name),
    });
    return encodeFlat(text, encoding, bom && !options.append);
  };

  const parseNumbered = (bytes: Buffer): FlatRecord[] => parseText(decodeFlat(bytes, encoding));

  return {
    parse: (bytes) => parseNumbered(bytes).map((r) => r.record),
    parseNumbered,
    parseText,
    write,
    contentType: `text/csv; charset=${charsetName(encoding)}`,
  };
}

function column(def: CsvColumnDef): Column {
  if (!def.name) throw new ConfigError('a CSV column needs a name');
  return { name: def.name, codec: valueCodec(def.type ?? 'string', { decimals: def.decimals, format: def.format, implied: false }) };
}

function headerProblem(fields: readonly string[]): string | undefined {
  if (fields.some((f) => f === '')) return 'the header row has an empty column name';
  const seen = new Set<string>();
  for (const f of fields) {
    if (seen.has(f)) return `the header row names ${f} twice`;
    seen.add(f);
  }
  return undefined;
}

/** Columns of records written without declared ones: every key, in the order first seen. */
function keysOf(records: readonly unknown[]): Column[] {
  const names = new Set<string>();
  for (const r of records) if (r && typeof r === 'object' && !Array.isArray(r)) for (const k of Object.keys(r)) names.add(k);
  return [...names].map((name) => ({ name, codec: valueCodec('string', { implied: false }) }));
}

function csvReason(e: CsvError): string {
  switch (e.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field is not closed';
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'a quote inside a quoted field is not doubled, or text follows a closing quote';
    case 'INVALID_OPENING_QUOTE':
      return 'a quote inside a field that does not start with one (quote the field and double the quote)';
    default:
      // csv-parse's own words, without its line count (wrong on CRLF files) or the field's value.
      return e.message.replace(/ at line \d+/, '').replace(/, value is .*$/, '');
  }
}
