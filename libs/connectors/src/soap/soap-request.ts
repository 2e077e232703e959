import { join } from 'node:path';
import { InputError } from '@junction/core';
import { createXmlCodec, workerTask, type XmlCodec, type XmlLimits } from '@junction/transform';
import { canonicalBody } from './payload-prefixes';
import { readEnvelope, type EnvelopeBody, type SoapHeaderBlock, type SoapVersion } from './soap-envelope';
import type { XmlName } from './xml-namespaces';

/**
 * A SOAP request read once, on the event loop for a small envelope and on a worker thread for a large one (see
 * WorkerPool): the envelope is decoded and parsed once, its Body element made canonical once, and the canonical
 * payload is measured once, as the UTF-8 bytes the bus takes.
 */

/** The Body element made canonical, ready to be dispatched. */
export interface SoapPayload {
  /** The canonical element as UTF-8 bytes: within the size and attribute limits, so the bus need not screen it. */
  readonly xml: Buffer;
  /** The value `xml` was written from; only when read on the event loop (a worker does not send the tree back). */
  readonly doc?: Record<string, unknown>;
}

export interface SoapRequest {
  readonly version: SoapVersion;
  readonly headers: readonly SoapHeaderBlock[];
  /** The Body element's name; undefined for an empty Body. */
  readonly name?: XmlName;
  /**
   * The canonical payload; throws what making it canonical refused (an undeclared prefix, a limit). Called after the
   * checks that come first (version, security, operation), so that their errors win as they always did.
   */
  payload(): SoapPayload;
}

/** Reads a request on the calling thread. Throws what readEnvelope throws. */
export function readSoapRequest(bytes: Buffer, codec: XmlCodec, prefixes: ReadonlyMap<string, string>, charset?: string): SoapRequest {
  const envelope = readEnvelope(bytes, codec, { charset });
  const body = envelope.body;
  return {
    version: envelope.version,
    headers: envelope.headers,
    name: body?.name,
    payload: () => canonical(body!, codec, prefixes),
  };
}

function canonical(body: EnvelopeBody, codec: XmlCodec, prefixes: ReadonlyMap<string, string>): SoapPayload {
  const { doc, xml } = canonicalBody(body, codec, prefixes);
  const bytes = Buffer.from(xml, 'utf8');
  const { maxBytes, maxAttributes } = codec.limits;
  // Canonical prefixes and escapes can make a payload larger than the envelope it came in.
  if (bytes.length > maxBytes) throw limit('maxBytes', maxBytes, `the payload made canonical has ${bytes.length} bytes`);
  // Every namespace the payload uses is declared on its root once canonical.
  const root = Object.values(doc)[0];
  const attributes = typeof root === 'object' && root !== null ? Object.keys(root).filter((k) => k.charCodeAt(0) === 0x40).length : 0;
  if (attributes > maxAttributes) throw limit('maxAttributes', maxAttributes, 'the payload made canonical declares more namespaces on its root');
  return { xml: bytes, doc };
}

function limit(name: string, value: number, detail: string): InputError {
  return new InputError('XML_LIMIT', `XML limit ${name} (${value}) exceeded: ${detail}`, 400);
}

/** What a worker gets to read one request. */
export interface SoapReadInput {
  readonly limits: Required<XmlLimits>;
  readonly bytes: Uint8Array;
  readonly charset?: string;
  readonly prefixes: ReadonlyArray<readonly [string, string]>;
}

/** What a worker sends back: the request without its tree, the payload's bytes or what refused them. */
export interface SoapReadOutput {
  readonly version: SoapVersion;
  readonly headers: readonly SoapHeaderBlock[];
  readonly name?: XmlName;
  readonly xml?: Uint8Array;
  readonly refused?: { readonly code: string; readonly message: string; readonly status: number };
}

/** The worker task that reads a request (see WorkerPool). */
export const SOAP_READ = workerTask<SoapReadInput, SoapReadOutput>(join(__dirname, 'soap-request'), 'readOnWorker');

/** The SoapRequest a worker's answer stands for. */
export function requestFrom(output: SoapReadOutput): SoapRequest {
  return {
    version: output.version,
    headers: output.headers,
    name: output.name,
    payload: () => {
      const { refused, xml } = output;
      if (refused) throw new InputError(refused.code, refused.message, refused.status);
      return { xml: Buffer.from(xml!.buffer, xml!.byteOffset, xml!.byteLength) };
    },
  };
}

const codecs = new Map<string, XmlCodec>();

/** Runs on a worker: readSoapRequest, and the canonical payload at once, its refusal kept for the caller to raise. */
export function readOnWorker(input: SoapReadInput): SoapReadOutput {
  const key = JSON.stringify(input.limits);
  let codec = codecs.get(key);
  if (!codec) codecs.set(key, (codec = createXmlCodec({ limits: input.limits })));
  const bytes = Buffer.from(input.bytes.buffer, input.bytes.byteOffset, input.bytes.byteLength);
  const request = readSoapRequest(bytes, codec, new Map(input.prefixes), input.charset);
  const read = { version: request.version, headers: request.headers, name: request.name };
  if (request.name === undefined) return read;
  try {
    return { ...read, xml: request.payload().xml };
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    return { ...read, refused: { code: err.code, message: err.message, status: err.status } };
  }
}
