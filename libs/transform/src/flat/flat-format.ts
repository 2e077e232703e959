import { compileCsv } from './csv-format';
import { compileFixedWidth } from './fixed-width-format';
import type { FlatCodec, FlatFormatDef } from './flat-format.types';

/**
 * Compiles a flat-file format once: checks it (ConfigError: unknown encoding, fixed-width fields that overlap or leave
 * gaps, a CSV without header or columns) and prepares its parser and writer. Build one per route or connector at load
 * and reuse it for every message.
 */
export function compileFlatFormat(def: FlatFormatDef): FlatCodec {
  return 'csv' in def ? compileCsv(def.csv) : compileFixedWidth(def.fixedWidth);
}

/** Codecs of definitions already seen, so that the one-shot functions compile each definition object once. */
const compiled = new WeakMap<FlatFormatDef, FlatCodec>();

function codecOf(def: FlatFormatDef): FlatCodec {
  let codec = compiled.get(def);
  if (!codec) {
    codec = compileFlatFormat(def);
    compiled.set(def, codec);
  }
  return codec;
}

/** Bytes -> records as JSON objects. Throws FlatFormatError (422, not retriable) naming the malformed lines. */
export function parseFlat(bytes: Buffer, def: FlatFormatDef): Record<string, unknown>[] {
  return codecOf(def).parse(bytes);
}

/** Records -> bytes (a single object is one record). Throws FlatFormatError naming the records it cannot write. */
export function writeFlat(records: readonly unknown[] | object, def: FlatFormatDef): Buffer {
  return codecOf(def).write(records);
}
