/**
 * Masking of sensitive data for the journal's readers (admin API, dashboard) and, where a record no longer needs its
 * payload, for the journal itself. A route lists field names or dotted paths and header names; a few headers are
 * always sensitive. Built once per route at load; each call does one pass over the body.
 *
 * - JSON: a plain name masks that key at any depth; a dotted path (`payment.card.number`) masks that path from the
 *   root, looking through arrays on the way. The value, whatever its type, becomes the string `***`.
 * - XML: the last segment of each entry names elements (any prefix) whose text content becomes `***`; elements that
 *   hold other elements are left as they are (name their leaves instead).
 * - Other content types and malformed bodies are shown as they are: masking never hides a body it cannot read.
 */
export const MASK = '***';

/** Headers masked on every route: credentials and session material. */
export const ALWAYS_SENSITIVE_HEADERS: readonly string[] = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'x-auth-token',
];

export interface SensitiveSpec {
  readonly fields?: readonly string[];
  readonly headers?: readonly string[];
}

export interface Masker {
  /** True when the route declared sensitive fields (bodies need masking). */
  readonly masksBodies: boolean;
  body(bytes: Buffer, contentType: string): Buffer;
  headers(headers: Readonly<Record<string, string>>): Record<string, string>;
  /** An edited body on its way back in (edit-then-replay): every field still showing `***` gets its value from
   *  `original`, so that an admin who edits a masked message does not send the mask to a target. */
  restore(edited: Buffer, original: Buffer, contentType: string): Buffer;
}

export function createMasker(spec: SensitiveSpec = {}): Masker {
  const fields = spec.fields ?? [];
  const anyDepth = new Set(fields.filter((f) => !f.includes('.')));
  const paths = fields.filter((f) => f.includes('.')).map((f) => f.split('.'));
  const xmlNames = new Set(fields.map((f) => f.split('.').at(-1)!));
  const headerNames = new Set([...ALWAYS_SENSITIVE_HEADERS, ...(spec.headers ?? []).map((h) => h.toLowerCase())]);
  const xmlPattern = xmlNames.size > 0 ? xmlLeafPattern([...xmlNames]) : undefined;
  const masksBodies = fields.length > 0;

  const sensitive = (key: string, path: readonly string[]) =>
    anyDepth.has(key) || paths.some((p) => p.length === path.length && p.every((s, i) => s === path[i]));

  return {
    masksBodies,
    body(bytes, contentType) {
      if (!masksBodies) return bytes;
      const kind = kindOf(contentType);
      if (kind === 'json') {
        const value = parseJson(bytes);
        return value === undefined ? bytes : Buffer.from(JSON.stringify(walkJson(value, [], (k, p) => (sensitive(k, p) ? MASK : undefined))));
      }
      if (kind === 'xml' && xmlPattern) return Buffer.from(bytes.toString('utf8').replace(xmlPattern, `$1${MASK}$3`));
      return bytes;
    },
    headers(headers) {
      const out: Record<string, string> = {};
      for (const [name, value] of Object.entries(headers)) out[name] = headerNames.has(name.toLowerCase()) ? MASK : value;
      return out;
    },
    restore(edited, original, contentType) {
      if (!masksBodies) return edited;
      const kind = kindOf(contentType);
      if (kind === 'json') {
        const before = parseJson(original);
        const after = parseJson(edited);
        if (before === undefined || after === undefined) return edited;
        return Buffer.from(JSON.stringify(restoreJson(after, before, [], sensitive)));
      }
      if (kind === 'xml' && xmlPattern) {
        // The n-th masked element of the edit takes the content of the n-th such element of the original.
        const originals = [...original.toString('utf8').matchAll(xmlPattern)].map((m) => m[2]);
        let n = 0;
        return Buffer.from(
          edited.toString('utf8').replace(xmlPattern, (whole, open: string, content: string, close: string) => {
            const i = n++;
            return content === MASK && i < originals.length ? `${open}${originals[i]}${close}` : whole;
          }),
        );
      }
      return edited;
    },
  };
}

function kindOf(contentType: string): 'json' | 'xml' | 'other' {
  const ct = contentType.toLowerCase();
  if (ct.includes('json')) return 'json';
  if (ct.includes('xml')) return 'xml';
  return 'other';
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** Copies a JSON value; where `replace(key, path, value)` returns something other than undefined, that is used. */
function walkJson(value: unknown, path: string[], replace: (key: string, path: string[], value: unknown) => unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => walkJson(v, path, replace));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const p = [...path, k];
    const r = replace(k, p, v);
    out[k] = r === undefined ? walkJson(v, p, replace) : r;
  }
  return out;
}

/** The edit, with each masked sensitive value taken from the same place in the original (arrays index by index). */
function restoreJson(edited: unknown, original: unknown, path: string[], sensitive: (key: string, path: string[]) => boolean): unknown {
  if (Array.isArray(edited)) {
    return edited.map((v, i) => restoreJson(v, Array.isArray(original) ? original[i] : undefined, path, sensitive));
  }
  if (edited === null || typeof edited !== 'object') return edited;
  const from = original !== null && typeof original === 'object' && !Array.isArray(original) ? (original as Record<string, unknown>) : {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(edited)) {
    const p = [...path, k];
    out[k] = v === MASK && sensitive(k, p) && k in from ? from[k] : restoreJson(v, from[k], p, sensitive);
  }
  return out;
}

/** `<p:name attrs>text</p:name>` for the given local names: groups 1 (open tag), 2 (text), 3 (close tag). */
function xmlLeafPattern(names: string[]): RegExp {
  const alternatives = names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  return new RegExp(`(<(?:[\\w.-]+:)?(?:${alternatives})(?:\\s[^>]*)?>)([^<]*)(</(?:[\\w.-]+:)?(?:${alternatives})\\s*>)`, 'g');
}
