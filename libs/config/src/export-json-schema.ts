import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ConnectorSpec } from './connector-spec';
import { jsonSchemaFiles, renderJsonSchema } from './route-json-schema';

/**
 * Writes the editor JSON Schemas (`routes.schema.json`, `route-tests.schema.json`) for a connector list into `outDir`,
 * by default the `schemas/` folder of the working folder (`junction schema`, `npm run schema:export`). Returns the paths.
 */
export function writeJsonSchemas(connectors: readonly ConnectorSpec[], outDir: string = path.resolve('schemas')): string[] {
  mkdirSync(outDir, { recursive: true });
  return jsonSchemaFiles(connectors).map(({ file, schema }) => {
    const target = path.join(outDir, file);
    writeFileSync(target, renderJsonSchema(schema));
    return target;
  });
}
