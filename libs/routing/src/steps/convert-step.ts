import type { ConvertStepDef } from '@junction/config';
import { type Body, StepError } from '@junction/core';
import { type FlatCodec, type FlatFormatDef, bodyFromBytes, bodyFromValue, compileFlatFormat, convertBody } from '@junction/transform';
import type { Transformer } from '../compiled-route';
import { type CompileContext, type DefPath, fail } from '../compile-context';

/**
 * The `convert` step. JSON <-> XML through the XML convention; `from` reads the body as a flat file (its bytes in the
 * format's encoding, or a JSON string body as text) into a JSON array of records; `to: csv` / `to: fixedWidth` write
 * the body's records (an array, or one object) as a file with its content type (`text/csv; charset=...`). Formats are
 * compiled here, once. Malformed input throws FlatFormatError (FLAT_FORMAT, 422) naming its lines: the message is
 * refused or dead-lettered with them, never retried.
 */
export function compileConvert(ctx: CompileContext, def: ConvertStepDef, path: DefPath): Transformer | undefined {
  const { to, root } = def;
  const reader = def.from && flatCodec(ctx, def.from, [...path, 'from']);
  if (def.from && !reader) return undefined;
  const written: FlatFormatDef | undefined = def.csv ? { csv: def.csv } : def.fixedWidth ? { fixedWidth: def.fixedWidth } : undefined;
  const writer = written && flatCodec(ctx, written, [...path, to]);
  if (written && !writer) return undefined;
  const codec = ctx.codec;
  return async (m) => {
    m.hop('convert', def.from ? `${'csv' in def.from ? 'csv' : 'fixedWidth'} to ${to}` : to);
    let body: Body = m.body;
    if (reader) body = bodyFromValue(readRecords(reader, body), 'json', codec);
    if (writer) return m.withBody(bodyFromBytes(writer.write(recordsOf(body.value())), writer.contentType, codec));
    if (to === 'csv' || to === 'fixedWidth') throw new StepError('convert', `to: ${to} without its format`);
    return m.withBody(convertBody(body, to, codec, root));
  };
}

function flatCodec(ctx: CompileContext, def: FlatFormatDef, path: DefPath): FlatCodec | undefined {
  try {
    return compileFlatFormat(def);
  } catch (err) {
    return fail(ctx, path, err instanceof Error ? err.message : String(err));
  }
}

/** A flat file's records: from the bytes as received, or from a JSON string a step produced. */
function readRecords(reader: FlatCodec, body: Body): Record<string, unknown>[] {
  if (body.format === 'json') {
    const value = body.value();
    if (typeof value !== 'string') throw new StepError('convert', 'from: a flat file is read from text, and this body is JSON');
    return reader.parseText(value).map((r) => r.record);
  }
  return reader.parse(body.bytes());
}

/** What a flat writer takes: an array of records, or one record. */
function recordsOf(value: unknown): readonly unknown[] | object {
  if (value === null || typeof value !== 'object') throw new StepError('convert', 'to: a flat file is written from records (an array of objects, or one object)');
  return value;
}
