import { z } from 'zod';

/**
 * Flat-file formats in route files: CSV and fixed-width records, read and written by @junction/transform's
 * `compileFlatFormat` (the shapes match its FlatFormatDef). Used by the `convert` step and by connectors that read or
 * write files (`format:`); connectors import it from libs/connectors/src/shared/flat-format.config.ts.
 */

/** Encodings offered (iconv-lite names). Others iconv-lite knows are refused here to keep editors' lists short. */
export const FLAT_ENCODINGS = [
  'utf8',
  'utf-8',
  'utf16le',
  'latin1',
  'iso-8859-1',
  'iso-8859-15',
  'windows-1252',
  'cp1252',
  'windows-1250',
  'windows-1251',
  'cp850',
  'cp437',
  'ascii',
] as const;

const UNICODE = new Set<string>(['utf8', 'utf-8', 'utf16le']);

const encoding = z
  .enum(FLAT_ENCODINGS)
  .default('utf8')
  .describe('Character encoding of the file (iconv-lite): utf8 (default), latin1, windows-1252, ... A byte order mark is removed on read.');

const recordDelimiter = z
  .enum(['\n', '\r\n', 'lf', 'crlf'])
  .default('\n')
  .transform((d): '\n' | '\r\n' => (d === 'crlf' || d === '\r\n' ? '\r\n' : '\n'))
  .describe('Line break written after each record: lf / "\\n" (default) or crlf / "\\r\\n". Reading accepts both.');

const fieldType = z
  .enum(['string', 'integer', 'decimal', 'date'])
  .describe('string (default), integer, decimal, or date (read as YYYY-MM-DD, or YYYY-MM-DDTHH:mm:ss with a time).');

const dateFormat = z
  .string()
  .regex(/YYYY/, { error: 'a date format holds YYYY, MM and DD' })
  .regex(/MM/, { error: 'a date format holds YYYY, MM and DD' })
  .regex(/DD/, { error: 'a date format holds YYYY, MM and DD' })
  .optional();

const CsvColumnSchema = z.union([
  z.string().min(1).describe('Column name (text values).'),
  z
    .strictObject({
      name: z.string().min(1).describe('Column name: the key in each record.'),
      type: fieldType.default('string'),
      decimals: z.int().min(0).max(18).optional().describe('decimal: places written after the point (rounded half away from zero).'),
      format: dateFormat.describe('date: pattern of the text, with YYYY MM DD HH mm ss; default YYYY-MM-DD.'),
    })
    .describe('A typed column: an empty field reads as null.'),
]);

export const CsvFormatSchema = z
  .strictObject({
    delimiter: z.string().length(1, { error: 'expected one character' }).default(',').describe('Field separator, one character (default ",").'),
    quote: z.string().length(1, { error: 'expected one character' }).default('"').describe('Quote character (default \'"\'), doubled inside a quoted field.'),
    header: z
      .boolean()
      .optional()
      .describe('Whether the first line names the columns: read for the keys when `columns` is omitted, skipped when given; written. Default: true without columns, false with them.'),
    columns: z.array(CsvColumnSchema).min(1).optional().describe('The columns in order: names, or { name, type }. Required without a header row.'),
    encoding,
    bom: z.boolean().default(false).describe('Write a byte order mark (utf8/utf16le only).'),
    recordDelimiter,
    skipEmptyLines: z.boolean().default(true).describe('Skip empty lines when reading (default true).'),
  })
  .superRefine((csv, ctx) => {
    if (csv.header === false && !csv.columns) ctx.addIssue({ code: 'custom', path: ['columns'], message: 'without a header row, name the columns' });
    if (csv.quote === csv.delimiter) ctx.addIssue({ code: 'custom', path: ['quote'], message: 'the quote cannot be the delimiter' });
    if (csv.bom && !UNICODE.has(csv.encoding)) ctx.addIssue({ code: 'custom', path: ['bom'], message: `a byte order mark needs utf8 or utf16le, not ${csv.encoding}` });
    const names = (csv.columns ?? []).map((c) => (typeof c === 'string' ? c : c.name));
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice !== undefined) ctx.addIssue({ code: 'custom', path: ['columns'], message: `column ${twice} is named twice` });
  })
  .meta({ id: 'CsvFormat', description: 'CSV: delimiter, quote, header row or named columns, encoding.' });

const FixedWidthFieldSchema = z
  .strictObject({
    name: z.string().min(1).describe('Field name: the key in each record.'),
    start: z.int().min(1).describe('First column of the field, counting from 1.'),
    length: z.int().min(1).max(10_000).describe('Width in characters.'),
    type: fieldType.default('string'),
    decimals: z.int().min(0).max(18).optional().describe('decimal: implied decimal places (000012345 with 2 is 123.45).'),
    pad: z.enum([' ', '0']).optional().describe('Padding: "0" for integer and decimal, " " otherwise (default). A negative number keeps its sign first: -0012345.'),
    align: z.enum(['left', 'right']).optional().describe('right for integer and decimal, left otherwise (default).'),
    format: dateFormat.describe('date: pattern of the text, with YYYY MM DD HH mm ss; default YYYYMMDD.'),
    skip: z.boolean().optional().describe('A filler: not read into records, written as padding.'),
  })
  .superRefine((f, ctx) => {
    if (f.decimals !== undefined && f.type !== 'decimal') ctx.addIssue({ code: 'custom', path: ['decimals'], message: 'decimals is for type: decimal' });
    if (f.format !== undefined && f.type !== 'date') ctx.addIssue({ code: 'custom', path: ['format'], message: 'format is for type: date' });
    if (f.type === 'date' && (f.format ?? 'YYYYMMDD').length > f.length) {
      ctx.addIssue({ code: 'custom', path: ['length'], message: `the date format ${f.format ?? 'YYYYMMDD'} needs ${(f.format ?? 'YYYYMMDD').length} characters` });
    }
  });

export const FixedWidthFormatSchema = z
  .strictObject({
    fields: z.array(FixedWidthFieldSchema).min(1).describe('The fields; together they cover columns 1 to the record length, without gaps or overlaps.'),
    encoding,
    recordDelimiter,
  })
  .superRefine((fw, ctx) => {
    for (const message of layoutProblems(fw.fields)) ctx.addIssue({ code: 'custom', path: ['fields'], message });
    const names = fw.fields.filter((f) => !f.skip).map((f) => f.name);
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice !== undefined) ctx.addIssue({ code: 'custom', path: ['fields'], message: `field ${twice} is named twice` });
  })
  .meta({ id: 'FixedWidthFormat', description: 'Fixed-width records: each field by start column, length, type, padding.' });

type CsvFormatOutput = z.output<typeof CsvFormatSchema>;
type FixedWidthFormatOutput = z.output<typeof FixedWidthFormatSchema>;

/**
 * `{ csv: {...} }` or `{ fixedWidth: {...} }`: one object with exactly one of the keys (as a step or a target has
 * exactly one kind), so that a mistake inside either is reported where it is rather than as a failed union; the
 * output is narrowed to the one present.
 */
export const FlatFormatSchema = z
  .strictObject({ csv: CsvFormatSchema.optional(), fixedWidth: FixedWidthFormatSchema.optional() })
  .superRefine((f, ctx) => {
    const present = (['csv', 'fixedWidth'] as const).filter((k) => f[k] !== undefined);
    if (present.length !== 1) {
      ctx.addIssue({ code: 'custom', message: present.length === 0 ? 'expected one format: csv or fixedWidth' : 'expected one format, found csv and fixedWidth' });
    }
  })
  .meta({ id: 'FlatFormat', description: 'A flat-file format: { csv: {...} } or { fixedWidth: {...} }.', oneOf: [{ required: ['csv'] }, { required: ['fixedWidth'] }] })
  .transform((f): { csv: CsvFormatOutput } | { fixedWidth: FixedWidthFormatOutput } => (f.csv ? { csv: f.csv } : { fixedWidth: f.fixedWidth! }));

export type FlatFormatConfig = z.output<typeof FlatFormatSchema>;

/**
 * Gaps and overlaps of a fixed-width layout. The same rule as @junction/transform's fixedWidthLayoutProblems, which
 * this library does not import (config depends on core alone); the transform checks again when it compiles.
 */
function layoutProblems(fields: readonly { name: string; start: number; length: number }[]): string[] {
  const problems: string[] = [];
  const sorted = [...fields].sort((a, b) => a.start - b.start);
  let next = 1;
  let previous: (typeof sorted)[number] | undefined;
  for (const f of sorted) {
    const end = f.start + f.length - 1;
    if (f.start > next) problems.push(`columns ${next}-${f.start - 1} belong to no field (declare a filler: skip: true)`);
    else if (f.start < next && previous) problems.push(`fields ${previous.name} (${previous.start}-${next - 1}) and ${f.name} (${f.start}-${end}) overlap`);
    if (end + 1 > next) {
      next = end + 1;
      previous = f;
    }
  }
  return problems;
}
