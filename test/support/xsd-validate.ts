import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { validateXML } from 'xmllint-wasm';

/** Documents checked so far in this process, for the suites' printed counts. */
export const validated = { documents: 0 };

/**
 * libxml2's verdict (through xmllint-wasm) on `xml` against `schema`, a file in `folder`; every `.xsd` of the folder
 * is preloaded, so that imports and includes resolve as on disk. Returns the error messages (none: valid).
 */
export async function schemaErrors(xml: string, folder: string, schema: string): Promise<string[]> {
  const preload = readdirSync(folder)
    .filter((f) => f.endsWith('.xsd') && f !== schema)
    .map((f) => ({ fileName: f, contents: readFileSync(path.join(folder, f), 'utf8') }));
  const result = await validateXML({
    xml: [{ fileName: 'document.xml', contents: xml }],
    schema: [{ fileName: schema, contents: readFileSync(path.join(folder, schema), 'utf8') }],
    preload,
  });
  validated.documents++;
  return result.errors.map((e) => e.message ?? e.rawMessage);
}
