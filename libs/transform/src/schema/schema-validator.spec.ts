import { ConfigError, ValidationError } from '@junction/core';
import { compileSchema } from './schema-validator';

const order = {
  type: 'object',
  required: ['id', 'email', 'lines'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', pattern: '^A\\d+$' },
    email: { type: 'string', format: 'email' },
    placed: { type: 'string', format: 'date-time' },
    lines: { type: 'array', minItems: 1, items: { type: 'object', required: ['qty'], properties: { qty: { type: 'integer', minimum: 1 } } } },
  },
  'x-owner': 'sales',
};

function violations(run: () => void): ValidationError {
  try {
    run();
  } catch (err) {
    if (err instanceof ValidationError) return err;
    throw err;
  }
  throw new Error('expected a ValidationError');
}

describe('compileSchema', () => {
  const validator = compileSchema(order, 'order');

  it('accepts a valid value', () => {
    expect(() => validator.validate({ id: 'A1', email: 'a@b.io', placed: '2024-01-02T03:04:05Z', lines: [{ qty: 1 }] })).not.toThrow();
    expect(validator.name).toBe('order');
  });

  it('lists every violation as "<instancePath> <message>"', () => {
    const error = violations(() =>
      validator.validate({ id: 'B1', email: 'nope', placed: 'yesterday', lines: [{ qty: 0 }, {}], extra: 1 }),
    );
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.retriable).toBe(false);
    expect(error.errors).toEqual(
      expect.arrayContaining([
        "/ must NOT have additional properties 'extra'",
        '/id must match pattern "^A\\d+$"',
        '/email must match format "email"',
        '/placed must match format "date-time"',
        '/lines/0/qty must be >= 1',
        "/lines/1 must have required property 'qty'",
      ]),
    );
    expect(error.errors).toHaveLength(6);
    expect(error.message).toMatch(/^The message does not match schema 'order' \(6 violations\): /);
  });

  it('uses / for the document itself', () => {
    expect(violations(() => validator.validate('text')).errors).toEqual(['/ must be object']);
  });

  it('caps the list of violations', () => {
    const many = compileSchema({ type: 'array', items: { type: 'string' } }, 'strings');
    const error = violations(() => many.validate(Array.from({ length: 250 }, (_, i) => i)));
    expect(error.errors).toHaveLength(101);
    expect(error.errors[100]).toBe('... and 150 more');
    expect(error.message).toMatch(/\(250 violations\)/);
  });

  it('refuses an invalid schema as a ConfigError naming it', () => {
    expect(() => compileSchema({ type: 'no-such-type' }, 'broken')).toThrow(ConfigError);
    expect(() => compileSchema({ type: 'no-such-type' }, 'broken')).toThrow(/JSON Schema 'broken' is invalid/);
  });

  it('lets a reload replace a schema with the same $id', () => {
    const v1 = compileSchema({ $id: 'urn:test:reload', type: 'string' }, 'v1');
    const v2 = compileSchema({ $id: 'urn:test:reload', type: 'number' }, 'v2');
    expect(() => v1.validate('x')).not.toThrow();
    expect(() => v2.validate(1)).not.toThrow();
    expect(() => v2.validate('x')).toThrow(ValidationError);
  });

  it('keeps working after compiling the same schema object again', () => {
    const schema = { type: 'object', properties: { n: { type: 'integer' } } };
    const a = compileSchema(schema, 'a');
    const b = compileSchema(schema, 'b');
    expect(() => a.validate({ n: 1.5 })).toThrow(ValidationError);
    expect(() => b.validate({ n: 2 })).not.toThrow();
  });

  it('supports local $ref and recursion', () => {
    const tree = compileSchema(
      { $ref: '#/definitions/node', definitions: { node: { type: 'object', properties: { kids: { type: 'array', items: { $ref: '#/definitions/node' } } } } } },
      'tree',
    );
    expect(() => tree.validate({ kids: [{ kids: [] }] })).not.toThrow();
    expect(violations(() => tree.validate({ kids: [{ kids: [1] }] })).errors).toEqual(['/kids/0/kids/0 must be object']);
  });
});
