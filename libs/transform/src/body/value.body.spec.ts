import { InputError } from '@junction/core';
import { createXmlCodec } from '../xml/xml-codec';
import { ValueBody } from './value.body';

describe('ValueBody', () => {
  it('returns the value as given', () => {
    const value = { a: [1, 2] };
    expect(new ValueBody(value, 'json').value()).toBe(value);
  });

  it.each<[string, unknown, 'json' | 'xml' | 'text' | 'binary', string, string]>([
    ['JSON', { a: [1, 'é'] }, 'json', '{"a":[1,"é"]}', 'application/json'],
    ['a JSON scalar', 'x', 'json', '"x"', 'application/json'],
    ['XML', { r: { '@id': 1, v: 'é' } }, 'xml', '<r id="1"><v>é</v></r>', 'application/xml'],
    ['text', 'plain é', 'text', 'plain é', 'text/plain; charset=utf-8'],
    ['a number as text', 42, 'text', '42', 'text/plain; charset=utf-8'],
    ['binary', Buffer.from('raw'), 'binary', 'raw', 'application/octet-stream'],
    ['a Uint8Array as binary', new Uint8Array([0x68, 0x69]), 'binary', 'hi', 'application/octet-stream'],
  ])('writes %s', (_case, value, format, text, contentType) => {
    const body = new ValueBody(value, format);
    expect(body.bytes().toString('utf8')).toBe(text);
    expect(body.contentType).toBe(contentType);
    expect(body.format).toBe(format);
  });

  it('serialises at most once', () => {
    const stringify = jest.spyOn(JSON, 'stringify');
    const body = new ValueBody({ a: 1 }, 'json');
    const first = body.bytes();
    expect(body.bytes()).toBe(first);
    expect(stringify).toHaveBeenCalledTimes(1);
    stringify.mockRestore();
  });

  it('writes XML with its codec and root, once', () => {
    const codec = createXmlCodec();
    const build = jest.spyOn(codec, 'build');
    const body = new ValueBody({ a: 1, b: 2 }, 'xml', codec, { root: 'Doc', contentType: 'text/xml' });
    expect(body.bytes().toString()).toBe('<Doc><a>1</a><b>2</b></Doc>');
    expect(body.bytes()).toBe(body.bytes());
    expect(build).toHaveBeenCalledTimes(1);
    expect(body.contentType).toBe('text/xml');
  });

  it.each<[string, unknown, 'json' | 'xml' | 'text' | 'binary', string]>([
    ['undefined as JSON', undefined, 'json', 'BODY_UNSERIALISABLE'],
    ['a BigInt as JSON', { n: BigInt(1) }, 'json', 'BODY_UNSERIALISABLE'],
    ['an object as text', { a: 1 }, 'text', 'BODY_UNSERIALISABLE'],
    ['a string as binary', 'x', 'binary', 'BODY_UNSERIALISABLE'],
    ['XML without a root', { a: 1, b: 2 }, 'xml', 'XML_ROOT_REQUIRED'],
  ])('refuses %s with a 422 InputError, the same one each time', (_case, value, format, code) => {
    const body = new ValueBody(value, format);
    const first = captured(() => body.bytes());
    expect(first.code).toBe(code);
    expect(first.status).toBe(422);
    expect(captured(() => body.bytes())).toBe(first);
  });

  it('has no JSON form when binary', () => {
    expect(captured(() => new ValueBody(Buffer.from('x'), 'binary').value()).code).toBe('UNSUPPORTED_BODY');
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
