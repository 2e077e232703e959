/**
 * Named parameters in SQL text (`:email`), found outside string literals, quoted identifiers, comments and
 * PostgreSQL's dollar-quoted bodies and `::` casts, and translated once, at load, into the driver's placeholders:
 * `$1`, `$2`... for PostgreSQL (a name used twice keeps its number), `?` per occurrence for MariaDB. Values are bound
 * by the driver; no SQL text is ever built from a value.
 */

export type SqlDialectName = 'postgres' | 'mariadb';

/** A statement as the driver takes it: its text with placeholders, and the parameter name bound to each. */
export interface TranslatedSql {
  readonly text: string;
  /** The name bound to each placeholder, in order (PostgreSQL: each name once; MariaDB: once per occurrence). */
  readonly order: readonly string[];
  /** The distinct names the statement uses. */
  readonly names: readonly string[];
}

interface Scan {
  /** Each named parameter: where it starts (the colon) and its name. */
  readonly params: ReadonlyArray<{ readonly at: number; readonly end: number; readonly name: string }>;
  /** Positional placeholders written in the text (`?`, `$1`), which the bus refuses: only named parameters bind. */
  readonly positional: number;
}

const NAME_START = /[A-Za-z_]/;
const NAME_PART = /[A-Za-z0-9_]/;

/** Finds the named parameters and positional placeholders of `sql`, skipping literals, identifiers and comments. */
function scan(sql: string): Scan {
  const params: Array<{ at: number; end: number; name: string }> = [];
  let positional = 0;
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i];
    if (c === "'" || c === '"' || c === '`') {
      // A quoted literal or identifier; a doubled quote stays inside, and so does a backslash-escaped one (MariaDB).
      i++;
      while (i < n) {
        if (sql[i] === '\\' && c === "'") i += 2;
        else if (sql[i] === c && sql[i + 1] === c) i += 2;
        else if (sql[i] === c) break;
        else i++;
      }
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      while (i < n && sql[i] !== '\n') i++;
    } else if (c === '#') {
      // A MariaDB line comment (never an operator in the statements the bus runs).
      while (i < n && sql[i] !== '\n') i++;
    } else if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      i = close < 0 ? n : close + 2;
    } else if (c === '$' && /[0-9]/.test(sql[i + 1] ?? '')) {
      positional++;
      i += 2;
      while (i < n && /[0-9]/.test(sql[i])) i++;
    } else if (c === '$') {
      // A PostgreSQL dollar-quoted body: $$...$$ or $tag$...$tag$.
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        i = close < 0 ? n : close + tag[0].length;
      } else i++;
    } else if (c === '?') {
      positional++;
      i++;
    } else if (c === ':' && sql[i + 1] === ':') {
      i += 2; // a PostgreSQL cast
    } else if (c === ':' && NAME_START.test(sql[i + 1] ?? '') && !NAME_PART.test(sql[i - 1] ?? '')) {
      let end = i + 2;
      while (end < n && NAME_PART.test(sql[end])) end++;
      params.push({ at: i, end, name: sql.slice(i + 1, end) });
      i = end;
    } else i++;
  }
  return { params, positional };
}

/** The distinct named parameters of `sql`, in order of first use. */
export function parameterNames(sql: string): string[] {
  return [...new Set(scan(sql).params.map((p) => p.name))];
}

/** How many positional placeholders (`?`, `$1`) `sql` holds outside literals and comments. */
export function positionalPlaceholders(sql: string): number {
  return scan(sql).positional;
}

/** Translates `sql`'s named parameters into `dialect`'s placeholders. */
export function translateSql(sql: string, dialect: SqlDialectName): TranslatedSql {
  const { params } = scan(sql);
  const numbers = new Map<string, number>();
  const order: string[] = [];
  let text = '';
  let last = 0;
  for (const p of params) {
    text += sql.slice(last, p.at);
    if (dialect === 'postgres') {
      let k = numbers.get(p.name);
      if (k === undefined) {
        order.push(p.name);
        k = order.length;
        numbers.set(p.name, k);
      }
      text += `$${k}`;
    } else {
      order.push(p.name);
      text += '?';
    }
    last = p.end;
  }
  text += sql.slice(last);
  return { text, order, names: [...new Set(params.map((p) => p.name))] };
}

/** The values of a translated statement, in placeholder order, from a record of named values (absent: null). */
export function bindValues(sql: TranslatedSql, values: Readonly<Record<string, unknown>>): unknown[] {
  return sql.order.map((name) => (values[name] === undefined ? null : values[name]));
}
