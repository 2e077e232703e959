import type { XsdName } from './xsd-model';

/**
 * Schema documents walked in the XML convention's JSON form (as the hardened codec reads them), namespace-aware:
 * elements resolved against the `xmlns` declarations in scope. Internal to xsd/.
 */

export type Scope = ReadonlyMap<string, string>;

/** An element: its expanded name, its value in the convention, the namespace bindings in scope inside it. */
export interface Node {
  readonly name: XsdName;
  readonly value: unknown;
  readonly scope: Scope;
}


export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function node(qname: string, value: unknown, parent: Scope): Node {
  let scope: Map<string, string> | undefined;
  if (isObject(value)) {
    for (const key of Object.keys(value)) {
      if (key === '@xmlns') (scope ??= new Map(parent)).set('', String(value[key]));
      else if (key.startsWith('@xmlns:')) (scope ??= new Map(parent)).set(key.slice(7), String(value[key]));
    }
  }
  const s = scope ?? parent;
  return { name: qnameOrThrow(qname, s, true), value, scope: s };
}

/** Child elements in document order (`#mixed` keeps it when names interleave). */
export function children(n: Node): Node[] {
  const v = n.value;
  if (!isObject(v)) return [];
  const out: Node[] = [];
  const add = (key: string, value: unknown) => {
    if (key.startsWith('@') || key.startsWith('#') || key.startsWith('?')) return;
    for (const item of Array.isArray(value) ? value : [value]) out.push(node(key, item, n.scope));
  };
  if (Array.isArray(v['#mixed'])) {
    for (const entry of v['#mixed'] as unknown[]) if (isObject(entry)) for (const [k, val] of Object.entries(entry)) add(k, val);
    return out;
  }
  for (const [k, val] of Object.entries(v)) add(k, val);
  return out;
}

export function attr(n: Node, name: string): string | undefined {
  if (!isObject(n.value)) return undefined;
  const v = n.value[`@${name}`];
  return v === undefined ? undefined : String(v);
}

export function is(n: Node, ns: string, localName: string): boolean {
  return n.name.ns === ns && n.name.localName === localName;
}

/** A QName-valued attribute resolved in scope; an unprefixed one takes the default namespace. */
export function qname(text: string, scope: Scope): XsdName {
  return qnameOrThrow(text.trim(), scope, true);
}

function qnameOrThrow(text: string, scope: Scope, useDefault: boolean): XsdName {
  const colon = text.indexOf(':');
  if (colon === -1) return { ns: useDefault ? (scope.get('') ?? '') : '', localName: text };
  const prefix = text.slice(0, colon);
  const ns = scope.get(prefix);
  if (ns === undefined) throw new Error(`the prefix '${prefix}' of '${text}' is not declared`);
  return { ns, localName: text.slice(colon + 1) };
}
