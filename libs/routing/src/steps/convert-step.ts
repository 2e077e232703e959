import { isAbsolute, join } from 'node:path';
import type { ConvertStepDef } from '@junction/config';
import { type Body, StepError } from '@junction/core';
import {
  type FlatCodec,
  type FlatFormatDef,
  type XmlCodec,
  type XsdModel,
  type XsdName,
  bodyFromBytes,
  bodyFromValue,
  compileFlatFormat,
  convertBody,
  globalElementNamed,
  loadXsdFile,
  writeXsdElement,
} from '@junction/transform';
import type { Transformer } from '../compiled-route';
import { type CompileContext, type DefPath, fail } from '../compile-context';

/**
 * The `convert` step. JSON <-> XML through the XML convention; `from` reads the body as a flat file (its bytes in the
 * format's encoding, or a JSON string body as text) into a JSON array of records; `to: csv` / `to: fixedWidth` write
 * the body's records (an array, or one object) as a file with its content type (`text/csv; charset=...`). Formats are
 * compiled here, once. Malformed input throws FlatFormatError (FLAT_FORMAT, 422) naming its lines: the message is
 * refused or dead-lettered with them, never retried. With `schema`, `to: xml` is written by the schema-driven writer
 * (the schema and its imports are read here, once, from the route folder only): a body that does not fit the
 * schema throws XsdWriteError `XML_SCHEMA_MISMATCH` naming the path, not retriable.
 */
export function compileConvert(ctx: CompileContext, def: ConvertStepDef, path: DefPath): Transformer | undefined {
  const { to, root } = def;
  if (def.schema !== undefined) return schemaWriter(ctx, def.schema, def.element, path);
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

/** `to: xml` through an XSD: the schema read and the element found at compile time. */
function schemaWriter(ctx: CompileContext, schema: string, element: string | undefined, path: DefPath): Transformer | undefined {
  let model: XsdModel;
  let name: XsdName;
  try {
    const file = isAbsolute(schema) ? schema : join(ctx.baseDir, schema);
    model = loadXsdFile(file, { folder: ctx.baseDir });
  } catch (err) {
    return fail(ctx, [...path, 'schema'], err instanceof Error ? err.message : String(err));
  }
  try {
    name = globalElementNamed(model, element);
  } catch (err) {
    return fail(ctx, [...path, element === undefined ? 'schema' : 'element'], err instanceof Error ? err.message : String(err));
  }
  const codec: XmlCodec = ctx.codec;
  return async (m) => {
    m.hop('convert', `xml {${name.ns}}${name.localName}`);
    const xml = writeXsdElement(model, name, m.body.value());
    return m.withBody(bodyFromBytes(Buffer.from(xml), 'application/xml', codec));
  };
}
