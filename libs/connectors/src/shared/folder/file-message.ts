import type { Incoming } from '@junction/core';
import { guessContentType } from '../bus-dispatch';
import type { FileEntry } from './remote-folder';

/** Content types by file extension; other files are guessed from their first bytes (JSON, XML, else text). */
const BY_EXTENSION: Readonly<Record<string, string>> = {
  json: 'application/json',
  xml: 'application/xml',
  csv: 'text/csv; charset=utf-8',
  tsv: 'text/tab-separated-values; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
  edi: 'application/edifact',
  pdf: 'application/pdf',
  zip: 'application/zip',
  gz: 'application/gzip',
};

/** The content type of a file: the config's when it sets one, else by extension, else guessed from the bytes. */
export function fileContentType(name: string, body: Buffer, configured?: string): string {
  if (configured) return configured;
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
  return BY_EXTENSION[ext] ?? guessContentType(body);
}

/** The headers every message from a file carries: its name, path, size and modification time. */
export function fileHeaders(entry: FileEntry, path: string): Record<string, string> {
  return {
    'x-file-name': entry.name,
    'x-file-path': path,
    'x-file-size': String(entry.size),
    'x-file-modified': new Date(entry.mtimeMs).toISOString(),
  };
}

/** One file as one message. */
export function fileMessage(kind: string, shown: string, entry: FileEntry, path: string, body: Buffer, contentType?: string): Incoming {
  return {
    source: { kind, address: `${shown}${path}` },
    headers: fileHeaders(entry, path),
    body,
    contentType: fileContentType(entry.name, body, contentType),
  };
}
