import type { Incoming } from '@junction/core';
import type { FlatCodec } from '@junction/transform';
import { fileHeaders, fileMessage } from './file-message';
import type { FolderSourceDef } from './folder.config';
import type { FileEntry } from './remote-folder';

/**
 * The messages of one file: the file as it is; with a flat `format`, the JSON array of its records; with
 * `split: records` too, one JSON message per record, in file order, each saying which record and line it is.
 * Throws the codec's FlatFormatError (naming the malformed lines) when the file does not parse.
 */
export function fileMessages(
  kind: string,
  shown: string,
  entry: FileEntry,
  path: string,
  body: Buffer,
  config: Pick<FolderSourceDef, 'contentType' | 'split'>,
  codec: FlatCodec | undefined,
): Incoming[] {
  if (!codec) return [fileMessage(kind, shown, entry, path, body, config.contentType)];
  const records = codec.parseNumbered(body);
  const source = { kind, address: `${shown}${path}` };
  const headers = { ...fileHeaders(entry, path), 'x-file-records': String(records.length) };
  if (config.split !== 'records') {
    return [{ source, headers, body: Buffer.from(JSON.stringify(records.map((r) => r.record))), contentType: 'application/json' }];
  }
  return records.map((r, i) => ({
    source,
    headers: { ...headers, 'x-file-record': String(i + 1), 'x-file-line': String(r.line) },
    body: Buffer.from(JSON.stringify(r.record)),
    contentType: 'application/json',
  }));
}
