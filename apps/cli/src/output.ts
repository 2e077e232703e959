import Table from 'cli-table3';

/** Where a command writes: stdout for results, stderr for messages and progress. */
export interface Io {
  readonly out: NodeJS.WritableStream;
  readonly err: NodeJS.WritableStream;
}

/** A plain table (no colours: the output is often piped), with `-` for empty cells. */
export function table(head: string[], rows: ReadonlyArray<ReadonlyArray<unknown>>): string {
  const t = new Table({ head, style: { head: [], border: [], compact: true }, wordWrap: true });
  for (const row of rows) t.push(row.map(cell));
  return `${t.toString()}\n`;
}

/** Two columns: name, value. */
export function fields(entries: ReadonlyArray<readonly [string, unknown]>): string {
  const t = new Table({ style: { head: [], border: [], compact: true }, wordWrap: true });
  for (const [k, v] of entries) t.push({ [k]: cell(v) });
  return `${t.toString()}\n`;
}

/** JSON for scripts: one document, two-space indented. */
export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** An epoch-ms time as `YYYY-MM-DD HH:MM:SS` UTC. */
export function time(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '-';
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

function cell(v: unknown): string {
  if (v === null || v === undefined || v === '') return '-';
  return typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** `n thing`/`n things`. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
