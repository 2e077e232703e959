import { type FlatFormatDef, compileFlatFormat, isFlatEncoding, parseFlat, writeFlat } from '@junction/transform';
import { FLAT_ENCODINGS, type FlatFormatConfig, FlatFormatSchema } from './flat-format.config';

const messages = (input: unknown) => {
  const result = FlatFormatSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('FlatFormatSchema', () => {
  it('fills defaults into a CSV format the codec compiles', () => {
    const config: FlatFormatConfig = FlatFormatSchema.parse({ csv: { delimiter: ';', encoding: 'latin1', recordDelimiter: 'crlf' } });
    expect(config).toEqual({ csv: { delimiter: ';', quote: '"', encoding: 'latin1', bom: false, recordDelimiter: '\r\n', skipEmptyLines: true } });
    const def: FlatFormatDef = config;
    expect(writeFlat([{ a: 'é' }], def)).toEqual(Buffer.from('a\r\n\xe9\r\n', 'latin1'));
  });

  it('reads a fixed-width format as a route writes it', () => {
    const def: FlatFormatDef = FlatFormatSchema.parse({
      fixedWidth: {
        fields: [
          { name: 'sku', start: 1, length: 6 },
          { name: 'price', start: 7, length: 7, type: 'decimal', decimals: 2 },
          { name: 'filler', start: 14, length: 2, skip: true },
        ],
      },
    });
    expect(parseFlat(Buffer.from('AB-1  0001999  \n'), def)).toEqual([{ sku: 'AB-1', price: 19.99 }]);
  });

  it('offers only encodings iconv-lite has', () => {
    for (const encoding of FLAT_ENCODINGS) {
      expect(isFlatEncoding(encoding)).toBe(true);
      expect(() => compileFlatFormat(FlatFormatSchema.parse({ csv: { encoding } }))).not.toThrow();
    }
  });

  it.each([
    [{ csv: { header: false } }, 'csv.columns: without a header row, name the columns'],
    [{ csv: { delimiter: ';;' } }, 'csv.delimiter: expected one character'],
    [{ csv: { encoding: 'latin1', bom: true } }, 'csv.bom: a byte order mark needs utf8 or utf16le, not latin1'],
    [{ csv: { columns: ['a', { name: 'a', type: 'integer' }] } }, 'csv.columns: column a is named twice'],
    [{ csv: { delimter: ';' } }, 'csv: Unrecognized key: "delimter"'],
    [
      { fixedWidth: { fields: [{ name: 'a', start: 1, length: 5 }, { name: 'b', start: 4, length: 3 }, { name: 'c', start: 9, length: 1 }] } },
      'fixedWidth.fields: fields a (1-5) and b (4-6) overlap',
    ],
    [
      { fixedWidth: { fields: [{ name: 'a', start: 1, length: 5 }, { name: 'c', start: 9, length: 1 }] } },
      'fixedWidth.fields: columns 6-8 belong to no field (declare a filler: skip: true)',
    ],
    [{ fixedWidth: { fields: [{ name: 'd', start: 1, length: 6, type: 'date' }] } }, 'fixedWidth.fields.0.length: the date format YYYYMMDD needs 8 characters'],
    [{ fixedWidth: { fields: [{ name: 'd', start: 1, length: 6, decimals: 2 }] } }, 'fixedWidth.fields.0.decimals: decimals is for type: decimal'],
  ])('refuses %j', (input, message) => {
    expect(messages(input)).toContain(message);
  });
});
