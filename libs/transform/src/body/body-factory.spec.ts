import { InputError } from '@junction/core';
import { createXmlCodec } from '../xml/xml-codec';
import { bodyFromBytes, bodyFromValue, convertBody } from './body-factory';
import { BytesBody } from './bytes.body';
import { ValueBody } from './value.body';

const codec = createXmlCodec({ arrays: ['Orders.Order'] });

describe('bodyFromBytes and bodyFromValue', () => {
  it('make bodies that use the given codec', () => {
    const fromBytes = bodyFromBytes(Buffer.from('<Orders><Order>1</Order></Orders>'), 'application/xml', codec);
    expect(fromBytes).toBeInstanceOf(BytesBody);
    expect(fromBytes.value()).toEqual({ Orders: { Order: ['1'] } });

    const fromValue = bodyFromValue({ a: 1, b: 2 }, 'xml', codec, { root: 'R' });
    expect(fromValue).toBeInstanceOf(ValueBody);
    expect(fromValue.bytes().toString()).toBe('<R><a>1</a><b>2</b></R>');
  });
});

describe('convertBody', () => {
  it('returns a body already in the target format as it is, bytes untouched', () => {
    const raw = Buffer.from('{ "kept": "exactly" }');
    const body = bodyFromBytes(raw, 'application/json', codec);
    const parse = jest.spyOn(JSON, 'parse');
    const converted = convertBody(body, 'json', codec);
    expect(converted).toBe(body);
    expect(converted.bytes()).toBe(raw);
    expect(parse).not.toHaveBeenCalled();
    parse.mockRestore();
  });

  it('turns XML into JSON through the convention', () => {
    const body = bodyFromBytes(Buffer.from('<Orders><Order id="1">x</Order></Orders>'), 'application/xml', codec);
    const json = convertBody(body, 'json', codec);
    expect(json.format).toBe('json');
    expect(json.contentType).toBe('application/json');
    expect(JSON.parse(json.bytes().toString())).toEqual({ Orders: { Order: [{ '@id': '1', '#text': 'x' }] } });
  });

  it('turns JSON into XML, with the root when needed', () => {
    const body = bodyFromBytes(Buffer.from('{"id":1,"lines":[{"sku":"A"},{"sku":"B"}]}'), 'application/json', codec);
    const xml = convertBody(body, 'xml', codec, 'Order');
    expect(xml.format).toBe('xml');
    expect(xml.contentType).toBe('application/xml');
    expect(xml.bytes().toString()).toBe('<Order><id>1</id><lines><sku>A</sku></lines><lines><sku>B</sku></lines></Order>');
    expect(xml.value()).toEqual({ id: 1, lines: [{ sku: 'A' }, { sku: 'B' }] });
  });

  it('round-trips XML -> JSON -> XML', () => {
    const source = '<?xml version="1.0"?>\n<Orders><Order id="1"><![CDATA[<x>]]></Order></Orders>';
    const json = convertBody(bodyFromBytes(Buffer.from(source), 'text/xml', codec), 'json', codec);
    const back = convertBody(bodyFromBytes(json.bytes(), 'application/json', codec), 'xml', codec);
    expect(back.bytes().toString()).toBe(source);
  });

  it('writes the target right away, so an unwritable value fails at the conversion', () => {
    const body = bodyFromBytes(Buffer.from('{"a":1,"b":2}'), 'application/json', codec);
    expect(() => convertBody(body, 'xml', codec)).toThrow(expect.objectContaining({ code: 'XML_ROOT_REQUIRED' }));
    const bad = bodyFromBytes(Buffer.from('{"first name":"x"}'), 'application/json', codec);
    expect(() => convertBody(bad, 'xml', codec)).toThrow(expect.objectContaining({ code: 'XML_UNREPRESENTABLE' }));
  });

  it('turns text into a JSON string and refuses binary', () => {
    const text = bodyFromBytes(Buffer.from('hi "you"'), 'text/plain', codec);
    expect(convertBody(text, 'json', codec).bytes().toString()).toBe('"hi \\"you\\""');
    expect(convertBody(text, 'xml', codec, 'Note').bytes().toString()).toBe('<Note>hi "you"</Note>');
    const binary = bodyFromBytes(Buffer.from([0]), 'application/octet-stream', codec);
    expect(() => convertBody(binary, 'json', codec)).toThrow(InputError);
    expect(() => convertBody(binary, 'json', codec)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_BODY', status: 415 }));
  });

  it('passes the source parse error through', () => {
    const body = bodyFromBytes(Buffer.from('<a>'), 'application/xml', codec);
    expect(() => convertBody(body, 'json', codec)).toThrow(expect.objectContaining({ code: 'XML_MALFORMED' }));
  });
});
