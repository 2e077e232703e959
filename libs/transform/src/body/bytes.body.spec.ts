import { InputError } from '@junction/core';
import { createXmlCodec } from '../xml/xml-codec';
import { BytesBody } from './bytes.body';

describe('BytesBody', () => {
  it('returns the original buffer untouched', () => {
    const raw = Buffer.from('{"a":1}');
    const body = new BytesBody(raw, 'application/json');
    expect(body.bytes()).toBe(raw);
    body.value();
    expect(body.bytes()).toBe(raw);
  });

  it.each([
    ['application/json', '{"a":[1,2]}', { a: [1, 2] }],
    ['application/problem+json; charset=utf-8', '{"title":"x"}', { title: 'x' }],
    ['application/xml', '<a><b>1</b></a>', { a: { b: '1' } }],
    ['text/xml; charset=utf-8', '<a>é</a>', { a: 'é' }],
    ['application/soap+xml', '<s:Envelope xmlns:s="u"/>', { 's:Envelope': { '@xmlns:s': 'u' } }],
    ['text/plain', 'héllo', 'héllo'],
  ])('gives the JSON form of %s', (contentType, text, expected) => {
    const body = new BytesBody(Buffer.from(text), contentType);
    expect(body.format).not.toBe('binary');
    expect(body.contentType).toBe(contentType);
    expect(body.value()).toEqual(expected);
  });

  it('decodes a text body in its declared charset', () => {
    const body = new BytesBody(Buffer.from('caf\xe9', 'latin1'), 'text/plain; charset=ISO-8859-1');
    expect(body.value()).toBe('café');
  });

  it('reads an XML body in the charset of its content type, and refuses bytes that contradict it', () => {
    expect(new BytesBody(Buffer.from('<a>caf\xe9</a>', 'latin1'), 'application/xml; charset=ISO-8859-1').value()).toEqual({ a: 'café' });
    const lie = new BytesBody(Buffer.from('<a>1</a>'), 'text/xml; charset="utf-16"');
    expect(captured(() => lie.value()).message).toMatch(/content type says utf-16/);
  });

  it('parses at most once and returns the same value', () => {
    const parse = jest.spyOn(JSON, 'parse');
    const body = new BytesBody(Buffer.from('{"a":1}'), 'application/json');
    const first = body.value();
    expect(body.value()).toBe(first);
    expect(parse).toHaveBeenCalledTimes(1);
    parse.mockRestore();
  });

  it('parses JSON under the limits it was given, the defaults otherwise, and refuses a repeated key', () => {
    const deep = Buffer.from('['.repeat(150) + ']'.repeat(150));
    expect(new BytesBody(deep, 'application/json', undefined, { json: { maxDepth: 150 } }).value()).toHaveLength(1);
    expect(captured(() => new BytesBody(deep, 'application/json').value()).code).toBe('JSON_LIMIT');
    const twice = new BytesBody(Buffer.from('{"role":"user","role":"admin"}'), 'application/json');
    expect(captured(() => twice.value()).code).toBe('JSON_DUPLICATE_KEY');
    // The refusal is kept like a parse error: asked again, the same error.
    expect(captured(() => twice.value()).code).toBe('JSON_DUPLICATE_KEY');
  });

  it('parses XML with the codec it was given, once', () => {
    const codec = createXmlCodec({ arrays: ['a.b'] });
    const parse = jest.spyOn(codec, 'parse');
    const body = new BytesBody(Buffer.from('<a><b>1</b></a>'), 'application/xml', codec);
    expect(body.value()).toEqual({ a: { b: ['1'] } });
    expect(body.value()).toBe(body.value());
    expect(parse).toHaveBeenCalledTimes(1);
  });

  it('reports malformed JSON with the reason and position, every time, parsing once', () => {
    const body = new BytesBody(Buffer.from('{\n  "a": tru\n}'), 'application/json');
    const first = captured(() => body.value());
    expect(first.code).toBe('JSON_MALFORMED');
    expect(first.status).toBe(400);
    expect(first.message).toMatch(/line 2, column 11/);
    expect(captured(() => body.value())).toBe(first);
  });

  it('reports malformed XML as XML_MALFORMED', () => {
    const body = new BytesBody(Buffer.from('<a><b></a>'), 'application/xml');
    expect(captured(() => body.value()).code).toBe('XML_MALFORMED');
  });

  it.each(['application/octet-stream', 'image/png', ''])('refuses a JSON form for a %j body', (contentType) => {
    const body = new BytesBody(Buffer.from([1, 2, 3]), contentType);
    expect(body.format).toBe('binary');
    const error = captured(() => body.value());
    expect(error.code).toBe('UNSUPPORTED_BODY');
    expect(error.status).toBe(415);
    expect(body.bytes()).toEqual(Buffer.from([1, 2, 3]));
  });

  describe('with the value its producer wrote the bytes from', () => {
    const written = { r: { '@xmlns': 'urn:x', item: 'a' } };
    const raw = Buffer.from('<r xmlns="urn:x"><item>a</item></r>');

    it('takes that value, with the codec`s arrays paths, instead of parsing', () => {
      const codec = createXmlCodec({ arrays: ['r.item'] });
      const parse = jest.spyOn(codec, 'parse');
      const body = new BytesBody(raw, 'application/xml', codec, { written });
      expect(body.value()).toEqual({ r: { '@xmlns': 'urn:x', item: ['a'] } });
      expect(parse).not.toHaveBeenCalled();
      expect(body.value()).toEqual(codec.parse(raw));
      expect(body.bytes()).toBe(raw);
    });

    it('parses the bytes when the codec cannot tell the value from it, and refuses as parse does', () => {
      const small = createXmlCodec({ limits: { maxBytes: 10 } });
      expect(() => new BytesBody(raw, 'application/xml', small, { written }).value()).toThrow(/maxBytes/);
      expect(new BytesBody(Buffer.from('<r>7</r>'), 'application/xml', createXmlCodec(), { written: { r: 7 } }).value()).toEqual({ r: '7' });
    });

    it('is ignored for a body that is not XML', () => {
      expect(new BytesBody(Buffer.from('{"a":1}'), 'application/json', createXmlCodec(), { written }).value()).toEqual({ a: 1 });
    });
  });
});

function captured(run: () => unknown): InputError {
  try {
    run();
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  throw new Error('expected an InputError');
}
