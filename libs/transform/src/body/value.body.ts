import { type Body, type BodyFormat, InputError, contentTypeOf } from '@junction/core';
import { type XmlCodec, defaultXmlCodec } from '../xml/xml-codec';
import { unsupportedBody } from './bytes.body';

/** Options of a body made from a value. */
export interface ValueBodyOptions {
  /** Root element name for XML when the value is not an object with exactly one element key. */
  readonly root?: string;
  /** Content type to announce; defaults to the format's own (`application/json`, `application/xml`...). */
  readonly contentType?: string;
}

/**
 * A body a step produced as a JS value, to be written in `format`. `value()` returns the value as given (shared, treat
 * it as read-only); `bytes()` serialises at most once, caching the bytes or the error. Formats: `json` (JSON text),
 * `xml` (through the codec's convention), `text` (a string or scalar), `binary` (a Buffer or Uint8Array).
 */
export class ValueBody implements Body {
  readonly contentType: string;
  private serialised: Buffer | undefined;
  private failure: unknown;

  constructor(
    private readonly data: unknown,
    readonly format: BodyFormat,
    private readonly codec: XmlCodec = defaultXmlCodec,
    private readonly options: ValueBodyOptions = {},
  ) {
    this.contentType = options.contentType ?? contentTypeOf(format);
  }

  /** Throws InputError (`BODY_UNSERIALISABLE`, `XML_*`, 422) when the value cannot be written in the format. */
  bytes(): Buffer {
    if (this.serialised === undefined && this.failure === undefined) {
      try {
        this.serialised = this.serialise();
      } catch (err) {
        this.failure = err;
      }
    }
    if (this.failure !== undefined) throw this.failure;
    return this.serialised!;
  }

  /** The value; a binary body has no JSON form and throws InputError `UNSUPPORTED_BODY` (415). */
  value(): unknown {
    if (this.format === 'binary') throw unsupportedBody(this.contentType);
    return this.data;
  }

  private serialise(): Buffer {
    const data = this.data;
    switch (this.format) {
      case 'json': {
        let text: string | undefined;
        try {
          text = JSON.stringify(data);
        } catch (err) {
          throw unserialisable(`cannot be written as JSON: ${(err as Error).message}`, err);
        }
        if (text === undefined) throw unserialisable(`a ${typeof data} cannot be written as JSON`);
        return Buffer.from(text, 'utf8');
      }
      case 'xml':
        return Buffer.from(this.codec.build(data, { root: this.options.root }), 'utf8');
      case 'text':
        if (typeof data === 'string') return Buffer.from(data, 'utf8');
        if (typeof data === 'number' || typeof data === 'boolean' || typeof data === 'bigint') {
          return Buffer.from(String(data), 'utf8');
        }
        throw unserialisable(`a text body needs a string, not ${describe(data)}`);
      default:
        if (Buffer.isBuffer(data)) return data;
        if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
        throw unserialisable(`a binary body needs bytes, not ${describe(data)}`);
    }
  }
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'a list' : `a value of type ${typeof value}`;
}

function unserialisable(problem: string, cause?: unknown): InputError {
  return new InputError('BODY_UNSERIALISABLE', `The body value ${problem}`, 422, cause);
}
