import { ConfigError } from '@junction/core';
import type { XsdComplexType, XsdElement, XsdModel, XsdParticle } from './xsd-model';
import { resolveType } from './xsd-reader';
import { localPart } from './xsd-text';
import { XsdWriteError } from './xsd-write-error';

/** What the content writer needs of the element writer: one occurrence of an element, and wildcard content. */
export interface OccurrenceWriter {
  occurrence(decl: XsdElement, value: unknown, path: string): string;
  convention(key: string, value: unknown, path: string): string;
}

/**
 * Writes the children of one element of a complex type in the schema's order, consuming the JSON object's keys.
 */
export class ContentWriter {
  private readonly keys = new Map<string, string>();
  private readonly consumed = new Set<string>();
  private readonly declaredNames: Set<string>;

  constructor(
    private readonly w: OccurrenceWriter,
    private readonly model: XsdModel,
    private readonly type: XsdComplexType,
    private readonly obj: Record<string, unknown>,
    private readonly path: string,
  ) {
    for (const key of Object.keys(obj)) {
      if (key.startsWith('@') || key.startsWith('#') || obj[key] === undefined) continue;
      const local = localPart(key);
      if (this.keys.has(local)) throw new XsdWriteError(`${path}.${key}`, `the element ${local} is given twice`);
      this.keys.set(local, key);
    }
    this.declaredNames = new Set();
    for (const p of this.particles()) this.names(p, this.declaredNames, 0);
  }

  write(): string {
    let out = '';
    for (const p of this.particles()) out += this.emit(p, true, 1);
    const left = [...this.keys].filter(([local]) => !this.consumed.has(local));
    if (left.length > 0) {
      const [, key] = left[0];
      const expected = [...this.declaredNames];
      throw new XsdWriteError(`${this.path}.${key}`, `is not declared by the schema${expected.length ? ` (expected: ${expected.join(', ')})` : ' (the element is empty)'}`);
    }
    return out;
  }

  /** The type's particles in order: for a complexContent extension, the base's content first. */
  private particles(type: XsdComplexType = this.type, hops = 0): XsdParticle[] {
    const own = type.particle ? [type.particle] : [];
    if (type.derivation !== 'extension' || !type.base || hops > 50) return own;
    const base = resolveType(this.model, type.base);
    if (base?.kind !== 'complex' || base.content !== 'elements') return own;
    return [...this.particles(base, hops + 1), ...own];
  }

  private element(p: XsdParticle & { kind: 'element' | 'elementRef' }): XsdElement {
    if (p.kind === 'element') return p;
    const global = this.model.elements.get(p.ref);
    if (!global) throw new ConfigError(`${this.path}: the schema has no element ${p.ref}`);
    return { ...global, minOccurs: p.minOccurs, maxOccurs: p.maxOccurs };
  }

  private group(p: XsdParticle & { kind: 'groupRef' }): XsdParticle {
    const g = this.model.groups.get(p.ref);
    if (!g) throw new ConfigError(`${this.path}: the schema has no group ${p.ref}`);
    return { ...g, minOccurs: p.minOccurs, maxOccurs: p.maxOccurs };
  }

  private names(p: XsdParticle, into: Set<string>, hops: number): Set<string> {
    if (hops > 50) return into;
    switch (p.kind) {
      case 'element':
      case 'elementRef':
        into.add(this.element(p).name.localName);
        break;
      case 'groupRef':
        this.names(this.group(p), into, hops + 1);
        break;
      case 'any':
        break;
      default:
        for (const c of p.particles) this.names(c, into, hops + 1);
    }
    return into;
  }

  private present(p: XsdParticle): boolean {
    if (p.kind === 'any') return [...this.keys.keys()].some((k) => !this.declaredNames.has(k));
    for (const n of this.names(p, new Set(), 0)) if (this.given(n)) return true;
    return false;
  }

  private given(local: string): boolean {
    const key = this.keys.get(local);
    return key !== undefined && this.obj[key] !== null && !(Array.isArray(this.obj[key]) && (this.obj[key] as unknown[]).length === 0);
  }

  private emptiable(p: XsdParticle, hops = 0): boolean {
    if (p.minOccurs === 0 || hops > 50) return true;
    switch (p.kind) {
      case 'element':
      case 'elementRef':
      case 'any':
        return false;
      case 'groupRef':
        return this.emptiable(this.group(p), hops + 1);
      case 'choice':
        return p.particles.length === 0 || p.particles.some((c) => this.emptiable(c, hops + 1));
      default:
        return p.particles.every((c) => this.emptiable(c, hops + 1));
    }
  }

  /** Writes a particle; `required`: its enclosing group is taken (so its own minOccurs applies). */
  private emit(p: XsdParticle, required: boolean, repeat: number): string {
    switch (p.kind) {
      case 'element':
      case 'elementRef':
        return this.emitElement(this.element(p), required, repeat);
      case 'groupRef':
        return this.emit(this.group(p), required, repeat);
      case 'any':
        return this.emitWildcard();
      case 'sequence':
      case 'all': {
        const taken = (required && p.minOccurs > 0) || this.present(p);
        if (!taken) return '';
        return p.particles.map((c) => this.emit(c, true, repeat * p.maxOccurs)).join('');
      }
      case 'choice': {
        const branches = p.particles.filter((c) => this.present(c));
        if (branches.length === 0) {
          if (!required || p.minOccurs === 0 || p.particles.length === 0 || p.particles.some((c) => this.emptiable(c))) return '';
          const options = p.particles.map((c) => [...this.names(c, new Set(), 0)].join('+') || '(any)').join(' | ');
          throw new XsdWriteError(this.path, `one of ${options} is required`);
        }
        if (branches.length > p.maxOccurs) {
          const given = branches.map((c) => [...this.names(c, new Set(), 0)].filter((n) => this.given(n)).join('+'));
          throw new XsdWriteError(this.path, `${given.join(' and ')} are alternatives of a choice: give only one`);
        }
        return branches.map((c) => this.emit(c, true, repeat * p.maxOccurs)).join('');
      }
    }
  }

  private emitElement(decl: XsdElement, required: boolean, repeat: number): string {
    const local = decl.name.localName;
    const key = this.keys.get(local);
    const path = `${this.path}.${local}`;
    if (key === undefined || this.obj[key] === undefined) {
      if (required && decl.minOccurs > 0) throw new XsdWriteError(path, 'the element is required');
      return '';
    }
    this.consumed.add(local);
    const raw = this.obj[key];
    const items = Array.isArray(raw) && !this.isListValue(decl) ? raw : [raw];
    const max = decl.maxOccurs * repeat;
    if (items.length > max) {
      throw new XsdWriteError(path, max === 1 ? `occurs at most once, and the value is an array of ${items.length}` : `occurs at most ${max} times, and ${items.length} are given`);
    }
    const written = items.filter((v) => v !== null || decl.nillable);
    if (required && written.length < decl.minOccurs) {
      throw new XsdWriteError(path, written.length === 0 ? 'the element is required' : `occurs at least ${decl.minOccurs} times, and ${written.length} are given`);
    }
    return written.map((v, i) => this.w.occurrence(decl, v, Array.isArray(raw) && items.length > 1 ? `${path}[${i}]` : path)).join('');
  }

  /** An array for an element of an xs:list type that occurs once is the list's items. */
  private isListValue(decl: XsdElement): boolean {
    if (decl.maxOccurs > 1 || !decl.type) return false;
    const t = resolveType(this.model, decl.type);
    return t?.kind === 'simple' && t.variety === 'list';
  }

  private emitWildcard(): string {
    let out = '';
    for (const [local, key] of this.keys) {
      if (this.declaredNames.has(local) || this.consumed.has(local)) continue;
      this.consumed.add(local);
      const v = this.obj[key];
      if (v === null || v === undefined) continue;
      out += this.w.convention(key, v, `${this.path}.${key}`);
    }
    return out;
  }
}
