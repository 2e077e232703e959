import { InputError } from '@junction/core';
import { createXmlCodec } from '@junction/transform';
import { SOAP12_ENVELOPE_NS } from './soap-envelope';
import { readOnWorker, readSoapRequest, requestFrom } from './soap-request';

const TYPES = 'http://example.com/orders/types';
const prefixes = new Map([[TYPES, 'tns']]);
const envelope = (payload: string, header = '') =>
  Buffer.from(`<e:Envelope xmlns:e="${SOAP12_ENVELOPE_NS}">${header}<e:Body>${payload}</e:Body></e:Envelope>`);

function refusal(run: () => unknown): InputError {
  try {
    run();
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('readSoapRequest and readOnWorker', () => {
  const codec = createXmlCodec({ limits: { maxBytes: 4096, maxAttributes: 3 } });
  const onWorker = (bytes: Buffer, charset?: string) =>
    requestFrom(readOnWorker({ limits: codec.limits, bytes, charset, prefixes: [...prefixes] }));

  it('read the same request: version, header blocks, payload name and canonical bytes', () => {
    const bytes = envelope(`<p:Get xmlns:p="${TYPES}"><p:Id>7</p:Id></p:Get>`, `<e:Header><h:Trace xmlns:h="urn:h">t-1</h:Trace></e:Header>`);
    const here = readSoapRequest(bytes, codec, prefixes);
    const there = onWorker(bytes);
    expect(there.version).toBe('1.2');
    expect(there.headers).toEqual(here.headers);
    expect(there.name).toEqual({ ns: TYPES, localName: 'Get' });
    expect(here.payload().xml.toString()).toBe(`<Get xmlns="${TYPES}"><Id>7</Id></Get>`);
    expect(there.payload().xml).toEqual(here.payload().xml);
    expect(here.payload().doc).toEqual({ Get: { '@xmlns': TYPES, Id: '7' } });
    expect(there.payload().doc).toBeUndefined();
  });

  it('measure the payload made canonical once, refusing one grown past maxBytes when it is asked for', () => {
    // 1,100 '>' become 4,400 bytes of '&gt;': the envelope fits in 4 KB, its canonical payload does not.
    const bytes = envelope(`<p:Note xmlns:p="${TYPES}">${'>'.repeat(1100)}</p:Note>`);
    for (const request of [readSoapRequest(bytes, codec, prefixes), onWorker(bytes)]) {
      expect(request.name?.localName).toBe('Note');
      expect(refusal(() => request.payload())).toMatchObject({ code: 'XML_LIMIT', message: expect.stringMatching(/maxBytes \(4096\).*canonical has 44\d\d bytes/) });
    }
  });

  it('refuse a canonical root that would declare more namespaces than maxAttributes', () => {
    const spread = [1, 2, 3, 4].map((n) => `<x${n}:a xmlns:x${n}="urn:${n}"/>`).join('');
    const bytes = envelope(`<p:Many xmlns:p="${TYPES}">${spread}</p:Many>`);
    expect(refusal(() => onWorker(bytes).payload())).toMatchObject({ code: 'XML_LIMIT', message: expect.stringContaining('maxAttributes (3)') });
  });

  it('refuse what readEnvelope refuses at once, with the request`s charset checked against its bytes', () => {
    const bytes = envelope(`<p:Get xmlns:p="${TYPES}"/>`);
    expect(refusal(() => onWorker(bytes, 'utf-16')).message).toMatch(/content type says utf-16/);
    expect(refusal(() => readSoapRequest(Buffer.from('<!DOCTYPE e><e/>'), codec, prefixes)).code).toBe('XML_DOCTYPE_FORBIDDEN');
  });
});
