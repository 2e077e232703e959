import { InputError } from '@junction/core';
import { createXmlCodec } from './xml-codec';
import type { XmlDecodeOptions } from './xml-encoding';

/**
 * The bytes are judged as a target would read them: the byte order mark, the UTF-16 pattern, the declaration and the
 * content type's charset must agree, or the document is refused by parse and screen alike. A DOCTYPE is refused in
 * every encoding.
 */

const codec = createXmlCodec();
const ascii = (text: string): Buffer => Buffer.from(text, 'latin1');
const le = (text: string): Buffer => Buffer.from(text, 'utf16le');
const be = (text: string): Buffer => le(text).swap16();
const BOM_LE = Buffer.from([0xff, 0xfe]);
const BOM_BE = Buffer.from([0xfe, 0xff]);
const BOM_8 = Buffer.from([0xef, 0xbb, 0xbf]);
const cat = (...parts: Buffer[]): Buffer => Buffer.concat(parts);
const XXE = '<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><foo>&xxe;</foo>';
/** Even length, so that a UTF-16 decoder has no odd byte to stumble on: the lie must be caught by what it means. */
const even = (text: string): string => (text.length % 2 === 0 ? text : `${text} `);

function refusal(run: () => unknown): InputError {
  try {
    run();
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  throw new Error('expected the input to be refused');
}

describe('XML encodings: read when every sign agrees', () => {
  // Every row carries its options: jest would take a parameter beyond a row's length for a `done` callback and wait.
  it.each<[string, Buffer, XmlDecodeOptions]>([
    ['UTF-8 without any sign', Buffer.from('<r>é</r>'), {}],
    ['UTF-8 with its byte order mark and declaration', cat(BOM_8, Buffer.from('<?xml version="1.0" encoding="UTF-8"?><r>é</r>')), {}],
    ['UTF-8 with a matching charset', Buffer.from('<?xml version="1.0" encoding="utf-8"?><r>é</r>'), { charset: 'UTF-8' }],
    ['UTF-16LE with its byte order mark', cat(BOM_LE, le('<r>é</r>')), {}],
    ['UTF-16BE with its byte order mark', cat(BOM_BE, be('<r>é</r>')), {}],
    ['UTF-16BE with its mark and an order-neutral declaration', cat(BOM_BE, be('<?xml version="1.0" encoding="UTF-16"?><r>é</r>')), {}],
    ['UTF-16LE without a mark, declared', le('<?xml version="1.0" encoding="UTF-16LE"?><r>é</r>'), {}],
    ['UTF-16BE without a mark, declared', be('<?xml version="1.0" encoding="UTF-16BE"?><r>é</r>'), { charset: 'utf-16be' }],
    ['ISO-8859-1 by declaration', ascii('<?xml version="1.0" encoding="ISO-8859-1"?><r>\xe9</r>'), {}],
    ['ISO-8859-1 by charset alone', ascii('<r>\xe9</r>'), { charset: 'iso-8859-1' }],
    ['windows-1252 and ISO-8859-1, one encoding under two labels', ascii('<?xml version="1.0" encoding="windows-1252"?><r>\xe9</r>'), { charset: 'ISO-8859-1' }],
  ])('%s', (_case, bytes, options) => {
    expect(codec.parse(bytes, options)).toMatchObject({ r: 'é' });
    expect(() => codec.screen(bytes, options)).not.toThrow();
  });
});

describe('XML encodings: refused when the signs disagree or the encoding could hide markup', () => {
  it.each<[string, Buffer, RegExp, XmlDecodeOptions]>([
    ['ASCII bytes declaring UTF-16 (the UTF-16 lie)', ascii(even(`<?xml version="1.0" encoding="UTF-16"?>${XXE}`)), /contradictory.*says UTF-16/, {}],
    ['ASCII bytes declaring UTF-16 without a DTD', ascii(even('<?xml version="1.0" encoding="UTF-16"?><a>1</a>')), /contradictory/, {}],
    ['a UTF-16LE byte order mark on ASCII', cat(BOM_LE, ascii(even('<?xml version="1.0"?><a>1</a>'))), /does not start with markup/, {}],
    ['a UTF-16BE byte order mark on ASCII', cat(BOM_BE, ascii(even('<a>1</a>'))), /does not start with markup/, {}],
    ['UTF-16LE without a mark or declaration', le('<a>1</a>'), /NUL character/, {}],
    ['UTF-16BE without a mark or declaration', be('<a>1</a>'), /NUL character/, {}],
    ['UTF-16LE without a mark, declaring no encoding', le('<?xml version="1.0"?><a>1</a>'), /declaration names no encoding/, {}],
    ['UTF-16LE without a mark, declared UTF-8', le('<?xml version="1.0" encoding="UTF-8"?><a>1</a>'), /UTF-16LE bytes, but the declaration says UTF-8/, {}],
    ['a UTF-16LE mark with a UTF-16BE declaration', cat(BOM_LE, le('<?xml version="1.0" encoding="UTF-16BE"?><a/>')), /contradictory/, {}],
    ['a UTF-8 mark with a UTF-16 declaration', cat(BOM_8, ascii('<?xml version="1.0" encoding="UTF-16"?><a/>')), /UTF-8 byte order mark, but the declaration/, {}],
    ['UTF-16 bytes sent as charset=utf-8', cat(BOM_LE, le('<a>1</a>')), /but the content type says utf-8/, { charset: 'utf-8' }],
    ['ASCII bytes sent as charset=utf-16', ascii(even('<a>1</a>')), /8-bit bytes .*content type says utf-16/, { charset: 'utf-16' }],
    ['a charset and a declaration that differ', ascii('<?xml version="1.0" encoding="UTF-8"?><a/>'), /declaration says UTF-8, but the content type says koi8-r/, { charset: 'koi8-r' }],
    ['a UTF-32LE byte order mark', cat(Buffer.from([0xff, 0xfe, 0, 0]), Buffer.from('<\0\0\0a\0\0\0/\0\0\0>\0\0\0', 'latin1')), /unsupported encoding 'UTF-32'/, {}],
    ['a UTF-32BE byte order mark', cat(Buffer.from([0, 0, 0xfe, 0xff]), Buffer.from('\0\0\0<\0\0\0a\0\0\0/\0\0\0>', 'latin1')), /unsupported encoding 'UTF-32'/, {}],
    ['UTF-32 without a mark', Buffer.from('\0\0\0<\0\0\0a\0\0\0/\0\0\0>', 'latin1'), /NUL character/, {}],
    ['a multi-byte legacy encoding', ascii('<?xml version="1.0" encoding="Shift_JIS"?><a/>'), /unsupported encoding 'Shift_JIS'/, {}],
    ['an unknown charset', ascii('<a/>'), /unsupported encoding 'x-martian'/, { charset: 'x-martian' }],
    ['EBCDIC', Buffer.from([0x4c, 0x6f, 0xa7, 0x94, 0x93, 0x40]), /not valid utf-8/, {}],
  ])('%s', (_case, bytes, message, options) => {
    for (const run of [() => codec.parse(bytes, options), () => codec.screen(bytes, options)]) {
      const error = refusal(run);
      expect(error.code).toBe('XML_MALFORMED');
      expect(error.status).toBe(400);
      expect(error.message).toMatch(message);
    }
  });
});

describe('a DOCTYPE is refused in every encoding', () => {
  const declared = (encoding: string) => `<?xml version="1.0" encoding="${encoding}"?>${XXE}`;
  it.each<[string, Buffer]>([
    ['UTF-8', Buffer.from(XXE)],
    ['UTF-8 with its mark', cat(BOM_8, Buffer.from(XXE))],
    ['UTF-16LE with its mark', cat(BOM_LE, le(XXE))],
    ['UTF-16BE with its mark', cat(BOM_BE, be(XXE))],
    ['UTF-16LE without a mark, declared', le(declared('UTF-16LE'))],
    ['UTF-16BE without a mark, declared', be(declared('UTF-16BE'))],
    ['UTF-16 without a mark, declared order-neutrally', le(declared('UTF-16'))],
    ['ISO-8859-1', ascii(declared('ISO-8859-1'))],
  ])('%s: XML_DOCTYPE_FORBIDDEN', (_case, bytes) => {
    expect(refusal(() => codec.parse(bytes)).code).toBe('XML_DOCTYPE_FORBIDDEN');
    expect(refusal(() => codec.screen(bytes)).code).toBe('XML_DOCTYPE_FORBIDDEN');
  });

  it.each<[string, Buffer]>([
    ['UTF-16LE without mark or declaration', le(XXE)],
    ['UTF-16BE without mark or declaration', be(XXE)],
  ])('%s: refused as malformed before its DOCTYPE is even read', (_case, bytes) => {
    expect(refusal(() => codec.parse(bytes)).code).toBe('XML_MALFORMED');
    expect(refusal(() => codec.screen(bytes)).code).toBe('XML_MALFORMED');
  });
});

describe('screen: a document cut short is refused, as parse refuses it', () => {
  it.each([
    ['an unclosed root', '<a><b></b>', /root element is not closed/],
    ['no root at all', '<?xml version="1.0"?><!-- nothing -->', /no root element/],
    ['an end tag without its start tag', '<a></a></b>', /end tag without its start tag/],
    ['an unterminated comment', '<a><!-- x', /unterminated comment/],
    ['an unterminated attribute value', '<a x="1></a>', /unterminated attribute value/],
    ['a start tag without its >', '<a <b></b>', /start tag without its '>'/],
    ['text that is not markup', 'hello <a/>', /does not start with markup .*\(line 1, column 1\)/],
  ])('%s', (_case, xml, message) => {
    const error = refusal(() => codec.screen(Buffer.from(xml)));
    expect(error.code).toBe('XML_MALFORMED');
    expect(error.message).toMatch(message);
    expect(refusal(() => codec.parse(Buffer.from(xml))).code).toBe('XML_MALFORMED');
  });
});
