import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { JSON_SCHEMA_FILES, renderJsonSchema } from './route-json-schema';

/**
 * Writes the editor JSON Schemas (`routes.schema.json`, `route-tests.schema.json`) into `outDir`, by default the
 * `schemas/` folder of the working folder (the repository root under `npm run schema:export`). Returns the paths.
 */
export function writeJsonSchemas(outDir: string = path.resolve('schemas')): string[] {
  mkdirSync(outDir, { recursive: true });
  return JSON_SCHEMA_FILES.map(({ file, schema }) => {
    const target = path.join(outDir, file);
    writeFileSync(target, renderJsonSchema(schema()));
    return target;
  });
}

if (require.main === module) {
  for (const file of writeJsonSchemas(process.argv[2])) process.stdout.write(`wrote ${file}\n`);
}
