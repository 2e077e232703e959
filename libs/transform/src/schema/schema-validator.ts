import { ConfigError, ValidationError } from '@junction/core';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * One Ajv instance for every schema of the bus: `allErrors` so that a rejected message lists all its violations,
 * strict mode off because route authors' schemas often carry keywords Ajv does not know (`example`, vendor `x-`).
 */
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);

/** At most this many violations are listed; a huge array of bad items should not produce a huge error. */
const MAX_LISTED = 100;

/** A JSON Schema compiled once. */
export interface SchemaValidator {
  readonly name: string;
  /**
   * Returns when `value` matches; otherwise throws ValidationError whose `errors` list each violation as
   * `<instancePath> <message>` (`/` for the document itself), at most 100 of them.
   */
  validate(value: unknown): void;
}

/**
 * Compiles a JSON Schema (draft-07 dialect, Ajv's default, with ajv-formats). `name` identifies it in errors.
 * Throws ConfigError when the schema is invalid. A schema whose `$id` is already known replaces the earlier one (a
 * route reload compiles its schemas again); schemas without `$id` are not kept in Ajv's registry, so reloads do not
 * accumulate them.
 */
export function compileSchema(schema: object, name: string): SchemaValidator {
  const id = (schema as { $id?: unknown }).$id;
  let check: ValidateFunction;
  try {
    if (typeof id === 'string' && ajv.getSchema(id)) ajv.removeSchema(id);
    check = ajv.compile(schema);
    // The compiled function keeps what it needs; dropping the cache entry only stops the registry growing.
    if (typeof id !== 'string') ajv.removeSchema(schema);
  } catch (err) {
    const message = `JSON Schema '${name}' is invalid: ${(err as Error).message}`;
    throw new ConfigError(message, [message], err);
  }
  return {
    name,
    validate(value) {
      if (check(value)) return;
      const all = check.errors ?? [];
      const errors = all.slice(0, MAX_LISTED).map(describe);
      if (all.length > MAX_LISTED) errors.push(`... and ${all.length - MAX_LISTED} more`);
      const count = `${all.length} violation${all.length === 1 ? '' : 's'}`;
      throw new ValidationError(`The message does not match schema '${name}' (${count}): ${errors[0]}`, errors);
    },
  };
}

function describe(error: ErrorObject): string {
  const path = error.instancePath === '' ? '/' : error.instancePath;
  // Ajv's message does not say which property was extra.
  const extra = error.keyword === 'additionalProperties' ? ` '${String(error.params.additionalProperty)}'` : '';
  return `${path} ${error.message ?? error.keyword}${extra}`;
}
