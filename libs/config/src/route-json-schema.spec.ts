import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { JSON_SCHEMA_FILES, renderJsonSchema, routeFileJsonSchema, routeTestFileJsonSchema, ROUTES_SCHEMA_ID } from './route-json-schema';

const ROOT = path.join(__dirname, '..', '..', '..');
const FIXTURES = path.join(__dirname, '..', 'test-fixtures');

function validator(schema: Record<string, unknown>) {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  return ajv.compile(schema);
}

function fixture(rel: string): unknown {
  return parse(readFileSync(path.join(FIXTURES, rel), 'utf8'));
}

describe('committed JSON Schemas', () => {
  it.each(JSON_SCHEMA_FILES.map((f) => [f.file, f.schema] as const))(
    'schemas/%s equals freshly generated output (regenerate with npm run build && npm run schema:export)',
    (file, schema) => {
      expect(readFileSync(path.join(ROOT, 'schemas', file), 'utf8')).toBe(renderJsonSchema(schema()));
    },
  );

  it('carries $schema, $id, title and description first', () => {
    expect(Object.keys(routeFileJsonSchema()).slice(0, 4)).toEqual(['$schema', '$id', 'title', 'description']);
    expect(routeFileJsonSchema().$id).toBe(ROUTES_SCHEMA_ID);
    expect(routeFileJsonSchema().$schema).toBe('http://json-schema.org/draft-07/schema#');
  });
});

describe('route file JSON Schema', () => {
  const validate = validator(routeFileJsonSchema());

  it('accepts the sample route files, placeholders included', () => {
    for (const file of ['valid/orders.yaml', 'valid/nested/legacy.yml']) {
      expect(validate(fixture(file))).toBe(true);
      expect(validate.errors ?? []).toEqual([]);
    }
  });

  it('rejects an unknown key', () => {
    expect(validate(fixture('misspelled/orders.yaml'))).toBe(false);
    expect(validate.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ keyword: 'additionalProperties', params: { additionalProperty: 'mpa' } })]),
    );
  });

  it('rejects a bad URL and a step with two kinds', () => {
    expect(validate(fixture('bad-url/orders.yaml'))).toBe(false);
    expect(validate.errors?.map((e) => e.instancePath)).toContain('/routes/0/to/1/http/url');
    const twoKinds = { routes: [{ id: 'a', from: { http: { path: '/a' } }, steps: [{ map: '$', filter: 'true' }], to: [] }] };
    expect(validate(twoKinds)).toBe(false);
    expect(validate.errors?.map((e) => e.keyword)).toContain('oneOf');
  });

  it('accepts a number or a placeholder where a number belongs, not a quoted number', () => {
    const route = (timeoutMs: unknown) => ({
      routes: [{ id: 'a', from: { http: { path: '/a' } }, to: [{ http: { url: 'http://x.local', timeoutMs } }] }],
    });
    expect(validate(route(5000))).toBe(true);
    expect(validate(route('${TIMEOUT_MS:-5000}'))).toBe(true);
    expect(validate(route('5000'))).toBe(false);
  });
});

describe('route test file JSON Schema', () => {
  const validate = validator(routeTestFileJsonSchema());

  it('accepts the sample route test file', () => {
    expect(validate(fixture('valid/orders.test.yaml'))).toBe(true);
    expect(validate.errors ?? []).toEqual([]);
  });

  it('rejects a test without a route', () => {
    expect(validate({ tests: [{ name: 'x', input: { body: {} }, expect: { outcome: 'delivered' } }] })).toBe(false);
    expect(validate.errors?.map((e) => e.keyword)).toContain('required');
  });
});
