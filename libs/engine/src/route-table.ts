import { formatProblem } from '@junction/config';
import { ConfigError, toBusError, type IngressBinding, type IngressConnector } from '@junction/core';
import { compileRouteDir, type CompileOptions, type CompiledRoute } from '@junction/routing';

/** The result of the last (re)load, shown by the admin API and the dashboard. */
export interface ReloadReport {
  readonly ok: boolean;
  readonly at: number;
  readonly routes: number;
  readonly problems: readonly string[];
}

export interface RouteTableOptions extends CompileOptions {
  readonly dir: string;
  readonly env: Record<string, string | undefined>;
  readonly ingress: ReadonlyMap<string, IngressConnector>;
}

/**
 * The routes in force. `reload` loads and compiles the whole folder; only a set without any problem replaces the
 * current one (swapped in one assignment, ingress rebound after), so a broken file never takes running routes down.
 * Messages already on their way keep the compiled route they started with.
 */
export class RouteTable {
  private byId = new Map<string, CompiledRoute>();
  private report: ReloadReport = { ok: false, at: 0, routes: 0, problems: ['not loaded yet'] };
  private running: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: RouteTableOptions) {}

  get(id: string): CompiledRoute | undefined {
    return this.byId.get(id);
  }

  list(): CompiledRoute[] {
    return [...this.byId.values()];
  }

  get lastReload(): ReloadReport {
    return this.report;
  }

  /** Reloads are serialised: a reload asked for while one runs waits for it, then runs on the files as they are. */
  reload(): Promise<ReloadReport> {
    const next = this.running.then(() => this.load());
    this.running = next.catch(() => undefined);
    return next;
  }

  private async load(): Promise<ReloadReport> {
    const at = Date.now();
    const set = await compileRouteDir(this.options.dir, this.options.env, this.options);
    const problems = set.problems.map(formatProblem);
    const bindings = new Map<string, IngressBinding[]>();
    for (const route of set.routes) {
      const kind = route.sourceKind;
      const config = route.source[kind];
      if (!this.options.ingress.has(kind)) problems.push(`${route.file} routes ${route.id}: no ingress for "${kind}"`);
      else {
        const binding = { routeId: route.id, mode: route.mode, config, baseDir: route.baseDir, xml: route.def.xml };
        bindings.set(kind, [...(bindings.get(kind) ?? []), binding]);
      }
    }
    for (const [kind, connector] of this.options.ingress) {
      try {
        await connector.prepare(bindings.get(kind) ?? []);
      } catch (err) {
        const e = toBusError(err);
        problems.push(...(e instanceof ConfigError ? e.problems : [e.message]));
      }
    }
    if (problems.length > 0) {
      this.report = { ok: false, at, routes: this.byId.size, problems };
      return this.report;
    }
    this.byId = new Map(set.routes.map((r) => [r.id, r]));
    for (const [kind, connector] of this.options.ingress) connector.bind(bindings.get(kind) ?? []);
    this.report = { ok: true, at, routes: this.byId.size, problems: [] };
    return this.report;
  }
}
