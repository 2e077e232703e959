import type { EntitySchemaColumnOptions, ValueTransformer } from 'typeorm';

export type Driver = 'sqlite' | 'postgres';

/** Epoch milliseconds in a bigint column: pg returns bigint as a string, better-sqlite3 as a number. */
export function epochMs(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

export function epochMsOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : epochMs(value);
}

/** A bigint column read as a JS number (epoch ms, 64-bit ids: both stay below 2^53). */
export const bigintAsNumber: ValueTransformer = {
  to: (value: unknown) => value,
  from: (value: unknown) => epochMsOrNull(value),
};

/** JSON (headers, hops) kept as text. */
export const jsonTransformer: ValueTransformer = {
  to: (value: unknown) => (value === undefined ? value : JSON.stringify(value)),
  from: (value: unknown) => (typeof value === 'string' ? JSON.parse(value) : value),
};

/** Column builders shared by the entity schemas, so that every entity maps the same SQL types the same way. */
export const col = {
  text: (name: string, nullable = false): EntitySchemaColumnOptions => ({ name, type: 'text', nullable }),
  int: (name: string, nullable = false): EntitySchemaColumnOptions => ({ name, type: 'integer', nullable }),
  ms: (name: string, nullable = false): EntitySchemaColumnOptions => ({
    name,
    type: 'bigint',
    nullable,
    transformer: bigintAsNumber,
  }),
  json: (name: string, nullable = false): EntitySchemaColumnOptions => ({ name, type: 'text', nullable, transformer: jsonTransformer }),
  bool: (name: string): EntitySchemaColumnOptions => ({ name, type: 'boolean' }),
  /** There is no binary type both drivers accept under one name. */
  bytes: (name: string, driver: Driver): EntitySchemaColumnOptions => ({
    name,
    type: driver === 'sqlite' ? 'blob' : 'bytea',
  }),
  /** A text primary key; the constraint is named so that migrations and entities agree on PostgreSQL. */
  id: (table: string): EntitySchemaColumnOptions => ({
    name: 'id',
    type: 'text',
    primary: true,
    primaryKeyConstraintName: `pk_${table}`,
  }),
};
