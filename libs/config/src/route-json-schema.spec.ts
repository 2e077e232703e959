import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { SPEC_CONNECTORS } from '../../connectors/src/testing/spec-connectors';
import { routeFileJsonSchema as fileSchemaOf, routeTestFileJsonSchema, ROUTES_SCHEMA_ID } from './route-json-schema';

const routeFileJsonSchema = () => fileSchemaOf(SPEC_CONNECTORS);

const FIXTURES = path.join(__dirname, '..', 'test-fixtures');

function validator(schema: Record<string, unknown>) {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  return ajv.compile(schema);
}

function fixture(rel: string): unknown {
  return parse(readFileSync(path.join(FIXTURES, rel), 'utf8'));
}

describe('exported JSON Schemas', () => {
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
