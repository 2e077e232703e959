import { type XmlCodec, createXmlCodec } from './xml-codec';
import type { XmlOptions } from './xml-convention';

/**
 * The codec's work as worker tasks (see WorkerPool; the codec names them): a worker builds a codec per set of options
 * once and reads the bytes it is sent exactly as the codec on the event loop would, same value and same refusals.
 */

/** One document for a worker: the codec's options, the bytes and the charset of their content type. */
export interface XmlTaskInput {
  readonly codec: XmlOptions;
  readonly bytes: Uint8Array;
  readonly charset?: string;
}

// Routes are few and their options fixed; the bound only guards against a caller that varies them per message.
const MAX_CODECS = 64;
const codecs = new Map<string, XmlCodec>();

function codecFor(options: XmlOptions): XmlCodec {
  const key = JSON.stringify(options);
  let codec = codecs.get(key);
  if (!codec) {
    if (codecs.size >= MAX_CODECS) codecs.clear();
    codecs.set(key, (codec = createXmlCodec(options)));
  }
  return codec;
}

// The structured clone hands a worker a plain Uint8Array: a Buffer over the same memory, not a copy.
const bytesOf = (input: XmlTaskInput): Buffer => Buffer.from(input.bytes.buffer, input.bytes.byteOffset, input.bytes.byteLength);

export function parse(input: XmlTaskInput): Record<string, unknown> {
  return codecFor(input.codec).parse(bytesOf(input), { charset: input.charset });
}

/** parse without the value: its refusals only, so that nothing but the verdict crosses back. */
export function check(input: XmlTaskInput): void {
  parse(input);
}

export function screen(input: XmlTaskInput): void {
  codecFor(input.codec).screen(bytesOf(input), { charset: input.charset });
}
