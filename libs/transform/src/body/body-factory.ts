import type { Body, BodyFormat } from '@junction/core';
import type { WhenBusy } from '../workers/worker-pool';
import type { XmlCodec } from '../xml/xml-codec';
import type { JsonStyle } from '../xml/xml-plain';
import { BytesBody, type BytesBodyOptions } from './bytes.body';
import { ValueBody, type ValueBodyOptions } from './value.body';

/**
 * A body over received bytes; the format follows the content type (see BytesBody). `options.written`: for XML bytes
 * built by their producer, the value they were built from, so that the body's value is not parsed back from them;
 * `options.json`: the limits a JSON body is parsed under.
 */
export function bodyFromBytes(bytes: Buffer, contentType: string, codec: XmlCodec, options?: BytesBodyOptions): Body {
  return new BytesBody(bytes, contentType, codec, options);
}

/** A body over a value a step produced, written in `format` when bytes are asked for (see ValueBody). */
export function bodyFromValue(value: unknown, format: BodyFormat, codec: XmlCodec, options?: ValueBodyOptions): Body {
  return new ValueBody(value, format, codec, options);
}

/**
 * The body in format `to`. A body already in that format is returned as it is (a passthrough keeps its original
 * bytes). Otherwise the body's JSON form is written in the new format right away, so that a value the format cannot
 * carry fails here, at the conversion, rather than at delivery; the bytes are kept and not written again. `root`
 * names the XML root element when the value is not an object with exactly one element key. `style`: how XML becomes
 * JSON (see XmlCodec.toJson); default `lossless`, the convention.
 * Throws InputError: the source's parse errors, `UNSUPPORTED_BODY` (415) for binary, `XML_*` (422) when unwritable.
 */
export function convertBody(body: Body, to: 'json' | 'xml', codec: XmlCodec, root?: string, style: JsonStyle = 'lossless'): Body {
  if (body.format === to) return body;
  const value = to === 'json' && body.format === 'xml' ? codec.toJson(body.value(), style) : body.value();
  const converted = new ValueBody(value, to, codec, { root });
  converted.bytes();
  return converted;
}

/**
 * Makes `body.value()` answer at once (see BytesBody.load): a large XML body is parsed off the event loop. Bodies
 * made from values have nothing to parse. Rejects only with a BusyError (`whenBusy: 'refuse'`, backlog full).
 */
export function loadBody(body: Body, whenBusy: WhenBusy = 'wait'): Promise<void> {
  return body instanceof BytesBody ? body.load(whenBusy) : Promise.resolve();
}
