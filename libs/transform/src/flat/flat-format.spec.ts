import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '@junction/core';
import { FlatFormatError, compileFlatFormat, parseFlat, writeFlat } from '@junction/transform';
import type { FlatFormatDef } from './flat-format.types';

const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', name));

const ORDERS: FlatFormatDef = {
  fixedWidth: {
    recordDelimiter: '\r\n',
    fields: [
      { name: 'id', start: 1, length: 7 },
      { name: 'customer', start: 8, length: 15 },
      { name: 'amount', start: 23, length: 10, type: 'decimal', decimals: 2 },
      { name: 'adjustment', start: 33, length: 10, type: 'decimal', decimals: 2 },
      { name: 'qty', start: 43, length: 5, type: 'integer', pad: ' ' },
      { name: 'due', start: 48, length: 8, type: 'date' },
    ],
  },
};

/** Fixtures that read into these records and write back into the very same bytes. */
const roundTrips: { name: string; file: string; def: FlatFormatDef; records: Record<string, unknown>[] }[] = [
  {
    name: 'latin1, semicolons, quoted delimiters, doubled quotes, CRLF and a line break inside quotes',
    file: 'stock-latin1.csv',
    def: { csv: { delimiter: ';', encoding: 'latin1', recordDelimiter: '\r\n', columns: ['sku', 'name', { name: 'qty', type: 'integer' }, { name: 'price', type: 'decimal', decimals: 2 }], header: true } },
    records: [
      { sku: 'A-1', name: 'Crème brûlée; 6 pièces', qty: 12, price: 3.5 },
      { sku: 'B-2', name: 'Müsli "bio"\r\nsans sucre', qty: 0, price: 4.2 },
      { sku: 'C-3', name: 'Café', qty: -7, price: 12 },
    ],
  },
  {
    name: 'windows-1252: the euro sign, curly quotes and a dash',
    file: 'prices-cp1252.csv',
    def: { csv: { encoding: 'windows-1252' } },
    records: [
      { sku: 'E-1', label: 'Preis in €', price: '9.99' },
      { sku: 'E-2', label: '“Zitat” – ü', price: '1.5' },
    ],
  },
  {
    name: 'UTF-8 with a byte order mark, a quoted comma and an embedded newline',
    file: 'contacts-bom.csv',
    def: { csv: { bom: true } },
    records: [
      { id: '1', name: 'José', note: 'a, b' },
      { id: '2', name: 'Zoë', note: 'line one\nline two' },
    ],
  },
  {
    name: 'fixed width: implied decimals, a negative number, space and zero padding, blanks, a date, UTF-8 letters',
    file: 'orders.fixed',
    def: ORDERS,
    records: [
      { id: 'ORD0001', customer: 'Müller', amount: 123.45, adjustment: -1.25, qty: 42, due: '2024-01-31' },
      { id: 'ORD0002', customer: 'Dupont', amount: 0.01, adjustment: 0, qty: 0, due: '2023-12-01' },
      { id: 'ORD0003', customer: 'Łódź', amount: 999999.99, adjustment: 1000, qty: null, due: null },
    ],
  },
];

describe('flat formats: fixtures round-trip', () => {
  it.each(roundTrips)('$name', ({ file, def, records }) => {
    const bytes = fixture(file);
    expect(parseFlat(bytes, def)).toEqual(records);
    expect(writeFlat(records, def).equals(bytes)).toBe(true);
  });

  it('numbers each record by the line it starts on', () => {
    const codec = compileFlatFormat(roundTrips[0].def);
    expect(codec.parseNumbered(fixture('stock-latin1.csv')).map((r) => r.line)).toEqual([2, 3, 5]);
  });
});

/** Files that are refused, and the lines their problems name. */
const malformed: { name: string; file: string; def: FlatFormatDef; lines: number[]; says: RegExp }[] = [
  { name: 'CSV with a line of too few and one of too many fields', file: 'wrong-count.csv', def: { csv: {} }, lines: [4, 6], says: /line 4: 2 fields, expected 3/ },
  { name: 'CSV with a quoted field never closed', file: 'open-quote.csv', def: { csv: {} }, lines: [3], says: /line 3: a quoted field is not closed/ },
  { name: 'fixed width: a short line, a letter in a number, 30 February', file: 'short-line.fixed', def: { fixedWidth: { ...ORDERS.fixedWidth, recordDelimiter: '\n' } }, lines: [2, 3, 4], says: /line 2: 27 characters, a record has 55/ },
];

describe('flat formats: malformed lines', () => {
  it.each(malformed)('$name', ({ file, def, lines, says }) => {
    let error: unknown;
    try {
      parseFlat(fixture(file), def);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(FlatFormatError);
    const e = error as FlatFormatError;
    expect(e.problems.map((p) => p.line)).toEqual(lines);
    expect(e.message).toMatch(says);
    expect(e).toMatchObject({ code: 'FLAT_FORMAT', retriable: false, status: 422 });
  });

  it('a typed CSV column names the line and the column', () => {
    const def: FlatFormatDef = { csv: { columns: ['id', { name: 'qty', type: 'integer' }] } };
    expect(() => parseFlat(Buffer.from('1,5\n2,five\n'), def)).toThrow(/line 2: qty: "five" is not an integer/);
  });

  it('keeps 100 problems and counts the rest', () => {
    const text = 'a,b\n' + Array.from({ length: 250 }, () => 'x\n').join('');
    try {
      parseFlat(Buffer.from(text), { csv: {} });
      throw new Error('parsed');
    } catch (err) {
      const e = err as FlatFormatError;
      expect(e.problems).toHaveLength(100);
      expect(e.total).toBe(250);
      expect(e.message).toMatch(/^250 malformed lines: line 2: .*and 247 more$/);
    }
  });
});

describe('fixed width values', () => {
  const one = (field: Record<string, unknown>) =>
    ({ fixedWidth: { fields: [{ name: 'v', start: 1, length: 9, ...field }] } }) as FlatFormatDef;
  const cases: { def: FlatFormatDef; text: string; value: unknown }[] = [
    { def: one({ type: 'decimal', decimals: 2 }), text: '000012345', value: 123.45 },
    { def: one({ type: 'decimal', decimals: 2 }), text: '-00012345', value: -123.45 },
    { def: one({ type: 'decimal', decimals: 3, pad: ' ' }), text: '   -12345', value: -12.345 },
    { def: one({ type: 'decimal', decimals: 0 }), text: '000000007', value: 7 },
    { def: one({ type: 'integer' }), text: '000000000', value: 0 },
    { def: one({ type: 'integer', align: 'left', pad: ' ' }), text: '42       ', value: 42 },
    { def: one({}), text: 'abc      ', value: 'abc' },
    { def: one({ align: 'right' }), text: '      abc', value: 'abc' },
    { def: one({ type: 'date', format: 'DD.MM.YY', length: 8 }), text: '', value: undefined },
    { def: one({ type: 'date', format: 'YYYYMMDD', length: 9 }), text: '20240229 ', value: '2024-02-29' },
  ];
  it.each(cases.filter((c) => c.value !== undefined))('$text <-> $value', ({ def, text, value }) => {
    expect(parseFlat(Buffer.from(text + '\n'), def)).toEqual([{ v: value }]);
    expect(writeFlat({ v: value }, def).toString()).toBe(text + '\n');
  });

  it('rounds half away from zero on the written form', () => {
    const def = one({ type: 'decimal', decimals: 2 });
    expect(writeFlat([{ v: 1.005 }, { v: -2.675 }, { v: 0.1 + 0.2 }, { v: '17.5' }], def).toString()).toBe(
      '000000101\n-00000268\n000000030\n000001750\n',
    );
  });

  it('refuses values that do not fit, naming the record', () => {
    const def = one({ type: 'integer' });
    expect(() => writeFlat([{ v: 1 }, { v: 1234567890 }, { v: 'x' }], def)).toThrow(
      /2 unwritable lines: line 2: v: "1234567890" is longer than 9 characters; line 3: v: expected a number, got "x"/,
    );
  });

  it('writes fillers as padding and does not read them', () => {
    const def: FlatFormatDef = {
      fixedWidth: {
        fields: [
          { name: 'a', start: 1, length: 2 },
          { name: 'filler', start: 3, length: 3, skip: true },
          { name: 'b', start: 6, length: 2, type: 'integer' },
        ],
      },
    };
    expect(writeFlat([['x', 5]], def).toString()).toBe('x    05\n');
    expect(parseFlat(Buffer.from('x  ZZ05\n'), def)).toEqual([{ a: 'x', b: 5 }]);
  });
});

describe('CSV options', () => {
  it('writes the keys of the records as columns when none are declared, in the order first seen', () => {
    expect(writeFlat([{ a: 1, b: 'x,y' }, { b: 'z', c: true }], { csv: {} }).toString()).toBe('a,b,c\n1,"x,y",\n,z,true\n');
  });

  it('reads and writes named columns without a header row, dates and fixed decimals', () => {
    const def: FlatFormatDef = {
      csv: { delimiter: '\t', columns: ['id', { name: 'on', type: 'date', format: 'DD/MM/YYYY' }, { name: 'sum', type: 'decimal', decimals: 2 }] },
    };
    const text = '7\t31/12/2024\t10.50\n8\t\t\n';
    expect(parseFlat(Buffer.from(text), def)).toEqual([
      { id: '7', on: '2024-12-31', sum: 10.5 },
      { id: '8', on: null, sum: null },
    ]);
    expect(writeFlat(parseFlat(Buffer.from(text), def), def).toString()).toBe(text);
  });

  it('skips empty lines unless told not to', () => {
    expect(parseFlat(Buffer.from('a\n1\n\n2\n'), { csv: {} })).toEqual([{ a: '1' }, { a: '2' }]);
    expect(() => parseFlat(Buffer.from('a,b\n1,2\n\n3,4\n'), { csv: { skipEmptyLines: false } })).toThrow(/line 3: 1 field, expected 2/);
  });

  it('labels written bytes with their charset', () => {
    expect(compileFlatFormat({ csv: { encoding: 'latin1' } }).contentType).toBe('text/csv; charset=iso-8859-1');
    expect(compileFlatFormat(ORDERS).contentType).toBe('text/plain; charset=utf-8');
  });
});

describe('flat formats: definitions refused when compiled', () => {
  it.each([
    [{ csv: { header: false } }, /names its columns/],
    [{ csv: { encoding: 'klingon' } }, /unknown encoding klingon/],
    [{ csv: { encoding: 'latin1', bom: true } }, /byte order mark needs a Unicode encoding/],
    [{ fixedWidth: { fields: [{ name: 'a', start: 1, length: 5 }, { name: 'b', start: 4, length: 3 }] } }, /fields a \(1-5\) and b \(4-6\) overlap/],
    [{ fixedWidth: { fields: [{ name: 'a', start: 1, length: 5 }, { name: 'b', start: 8, length: 3 }] } }, /columns 6-7 belong to no field/],
    [{ fixedWidth: { fields: [{ name: 'd', start: 1, length: 6, type: 'date' }] } }, /date format YYYYMMDD is longer than 6/],
  ] as [FlatFormatDef, RegExp][])('%j', (def, message) => {
    expect(() => compileFlatFormat(def)).toThrow(ConfigError);
    expect(() => compileFlatFormat(def)).toThrow(message);
  });
});
