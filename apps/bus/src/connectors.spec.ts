import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { jsonSchemaFiles, renderJsonSchema, routeSchemas } from '@junction/config';
import { connectorList } from '@junction/connectors';
import { CONNECTORS } from './connectors';

const ROOT = path.join(__dirname, '..', '..', '..');

describe('the connector list', () => {
  it.each(jsonSchemaFiles(CONNECTORS).map((f) => [f.file, f.schema] as const))(
    'schemas/%s equals the output generated from it (regenerate with npm run build && npm run schema:export)',
    (file, schema) => {
      expect(readFileSync(path.join(ROOT, 'schemas', file), 'utf8')).toBe(renderJsonSchema(schema));
    },
  );

  it('gives each kind a source or a target schema, and a factory', () => {
    for (const c of CONNECTORS) {
      expect(c.source !== undefined || c.target !== undefined).toBe(true);
      expect(typeof c.create).toBe('function');
    }
    const schemas = routeSchemas(CONNECTORS);
    expect([...schemas.sourceKinds, ...schemas.targetKinds].every((k) => CONNECTORS.some((c) => c.kind === k))).toBe(true);
  });

  it('refuses two connectors of one kind', () => {
    expect(() => connectorList([...CONNECTORS, CONNECTORS[0]])).toThrow(`two connectors of kind "${CONNECTORS[0].kind}"`);
    expect(() => routeSchemas([...CONNECTORS, CONNECTORS[0]])).toThrow(`two connectors of kind "${CONNECTORS[0].kind}"`);
  });
});
