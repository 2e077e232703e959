/**
 * Flat-file formats (CSV and fixed-width records) as a route describes them. These are the shapes the route schema
 * (libs/config flat-format.schema.ts) validates and fills defaults into; every field is optional here so that a
 * definition written by hand in code or a test reads the same as one from a route file.
 */

/** The value type of a field: text, a whole number, a decimal (implied decimals in fixed width), or a date. */
export type FlatFieldType = 'string' | 'integer' | 'decimal' | 'date';

/** Record separators a writer uses; readers accept both. */
export type FlatRecordDelimiter = '\n' | '\r\n';

/** A CSV column: its name, and optionally a type its values are read as and written from. */
export interface CsvColumnDef {
  readonly name: string;
  /** `string` (default): the text as it is. Typed columns read an empty field as null. */
  readonly type?: FlatFieldType;
  /** decimal: digits written after the point (rounded half away from zero); as the number is when omitted. */
  readonly decimals?: number;
  /** date: the pattern of the text (YYYY MM DD HH mm ss and literal characters); default YYYY-MM-DD. */
  readonly format?: string;
}

export interface CsvFormatDef {
  /** Field separator, one character; default `,`. */
  readonly delimiter?: string;
  /** Quote character, doubled inside a quoted field; default `"`. */
  readonly quote?: string;
  /**
   * Whether the first line is a header row: read for the names when `columns` is omitted, skipped when given;
   * written from the names. Default: true without `columns`, false with them.
   */
  readonly header?: boolean;
  /** The columns, in order: names, or `{ name, type }`. Required when there is no header row. */
  readonly columns?: readonly (string | CsvColumnDef)[];
  /** Character encoding of the bytes (iconv-lite names: utf8, latin1, windows-1252, ...); default utf8. */
  readonly encoding?: string;
  /** Write a byte order mark (utf8/utf16 only). A mark is always removed on read. */
  readonly bom?: boolean;
  /** Record separator on write; default `\n`. */
  readonly recordDelimiter?: FlatRecordDelimiter;
  /** Skip empty lines on read; default true (else an empty line is a record of one empty field). */
  readonly skipEmptyLines?: boolean;
}

/** A fixed-width field: its place in the record (1-based start, length in characters) and how its text reads. */
export interface FixedWidthFieldDef {
  readonly name: string;
  /** First column of the field, 1-based. */
  readonly start: number;
  /** Width in characters. */
  readonly length: number;
  /** Default `string`. */
  readonly type?: FlatFieldType;
  /** decimal: implied decimal places (`000012345` with 2 reads 123.45); default 0. */
  readonly decimals?: number;
  /** Padding character: default `0` for integer and decimal, space otherwise. */
  readonly pad?: ' ' | '0';
  /** Default `right` for integer and decimal, `left` otherwise. */
  readonly align?: 'left' | 'right';
  /** date: the pattern of the text (YYYY MM DD HH mm ss and literal characters); default YYYYMMDD. */
  readonly format?: string;
  /** A filler: not read into the record, written as padding. */
  readonly skip?: boolean;
}

export interface FixedWidthFormatDef {
  /** The fields; together they cover columns 1 to the record length without gaps or overlaps. */
  readonly fields: readonly FixedWidthFieldDef[];
  /** Character encoding of the bytes (iconv-lite names); default utf8. Positions count characters. */
  readonly encoding?: string;
  /** Record separator on write; default `\n`. */
  readonly recordDelimiter?: FlatRecordDelimiter;
}

/** A flat-file format: CSV or fixed-width records. */
export type FlatFormatDef = { readonly csv: CsvFormatDef } | { readonly fixedWidth: FixedWidthFormatDef };

/** One malformed line (or, on write, record), numbered from 1. */
export interface FlatProblem {
  readonly line: number;
  readonly message: string;
}

/** A format compiled once (per route, per connector) and reused for every message. Both functions are pure. */
export interface FlatCodec {
  /** Bytes -> records (JSON objects). Throws FlatFormatError naming every malformed line (up to a cap). */
  parse(bytes: Buffer): Record<string, unknown>[];
  /** The same, each record with the line number it starts on (for a splitter to quote). */
  parseNumbered(bytes: Buffer): FlatRecord[];
  /** Text already decoded (the encoding is not applied) -> records, each with the line it starts on. */
  parseText(text: string): FlatRecord[];
  /** Records (objects, or arrays of values in field order; a single object is one record) -> bytes. */
  write(records: readonly unknown[] | object): Buffer;
  /** The MIME type of written bytes, e.g. `text/csv; charset=windows-1252`. */
  readonly contentType: string;
}

export interface FlatRecord {
  readonly line: number;
  readonly record: Record<string, unknown>;
}
