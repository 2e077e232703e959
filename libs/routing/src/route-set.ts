import { formatPath, loadRoutes, routeSchemas, type CheckProblem, type ConnectorSpec, type LoadedRoute, type RouteProblem } from '@junction/config';
import { toBusError } from '@junction/core';
import type { CompiledRoute } from './compiled-route';
import { compileRoute, type CompileOptions } from './route-compiler';

/** Every route of a folder, compiled, with every problem found on the way as file:line path: message. */
export interface RouteSet {
  readonly routes: readonly CompiledRoute[];
  readonly problems: readonly RouteProblem[];
}

/**
 * Loads and compiles the route files of `dir`, then runs each connector's offline checks on the route's source and
 * targets (files exist, WSDL operations exist, patterns compile). A route with any problem is left out;
 * callers that swap routes in (reload) keep the previous set when `problems` is not empty. The same function serves
 * the bus (start-up, reload), `junction validate` and `junction test`, so all three find the same problems.
 */
export async function compileRouteDir(dir: string, env: Record<string, string | undefined>, options: CompileOptions): Promise<RouteSet> {
  const loaded = loadRoutes(dir, env, routeSchemas(options.connectors));
  const problems: RouteProblem[] = [...loaded.problems];
  const compiled: Array<{ loaded: LoadedRoute; route: CompiledRoute }> = [];
  for (const route of loaded.routes) {
    const result = compileRoute(route, options);
    if (result.ok) compiled.push({ loaded: route, route: result.route });
    else problems.push(...located(route, result.problems));
  }
  const byKind = new Map(options.connectors.map((c) => [c.kind, c]));
  const checked = await Promise.all(compiled.map(({ route }) => checkConnectors(route, byKind)));
  compiled.forEach(({ loaded: route }, i) => problems.push(...located(route, checked[i])));
  const routes = compiled.filter((_, i) => checked[i].length === 0).map(({ route }) => route);
  return { routes, problems };
}

/** Runs the connectors' offline checks on every source and target config of a route; paths are from the route. */
async function checkConnectors(route: CompiledRoute, connectors: ReadonlyMap<string, ConnectorSpec>): Promise<CheckProblem[]> {
  const context = { routeId: route.id, mode: route.mode, baseDir: route.baseDir };
  const seen = new Set<string>();
  const found = await Promise.all(
    route.configs.map(async (c) => {
      const check = connectors.get(c.kind)?.check?.[c.role];
      // The same target may stand in several places (a wire tap and a branch): checked once.
      const key = `${c.role} ${c.kind} ${JSON.stringify(c.config)}`;
      if (!check || seen.has(key)) return [];
      seen.add(key);
      try {
        return (await check(c.config, context)).map((p) => ({ path: [...c.path, ...p.path], message: p.message }));
      } catch (err) {
        return [{ path: c.path, message: `check failed: ${toBusError(err).message}` }];
      }
    }),
  );
  return found.flat();
}

function located(route: LoadedRoute, found: readonly CheckProblem[]): RouteProblem[] {
  return found.map((p) => ({
    file: route.file,
    line: route.lineOf(p.path as (string | number)[]),
    path: formatPath(['routes', route.index, ...p.path]),
    message: p.message,
  }));
}

/**
 * `['routes', 0, 'to', 1, 'http', 'url']` as `routes[0].to[1].http.url`: the loader's spelling (odd keys quoted, as in
 * `setHeaders["x.trace"]`), so that a path reads the same whichever stage found the problem.
 */
export { formatPath };
