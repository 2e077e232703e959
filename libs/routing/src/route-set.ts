import { formatPath, loadRoutes, type RouteProblem } from '@junction/config';
import type { CompiledRoute } from './compiled-route';
import { compileRoute, type CompileOptions } from './route-compiler';

/** Every route of a folder, compiled, with every problem found on the way as file:line path: message. */
export interface RouteSet {
  readonly routes: readonly CompiledRoute[];
  readonly problems: readonly RouteProblem[];
}

/**
 * Loads and compiles the route files of `dir`. A file with any problem contributes no route; callers that swap
 * routes in (reload) keep the previous set when `problems` is not empty.
 */
export function compileRouteDir(dir: string, env: Record<string, string | undefined>, options: CompileOptions): RouteSet {
  const loaded = loadRoutes(dir, env);
  const problems: RouteProblem[] = [...loaded.problems];
  const routes: CompiledRoute[] = [];
  for (const route of loaded.routes) {
    const result = compileRoute(route, options);
    if (result.ok) {
      routes.push(result.route);
      continue;
    }
    for (const p of result.problems) {
      problems.push({
        file: route.file,
        line: route.lineOf(p.path as (string | number)[]),
        path: formatPath(['routes', route.index, ...p.path]),
        message: p.message,
      });
    }
  }
  return { routes, problems };
}

/**
 * `['routes', 0, 'to', 1, 'http', 'url']` as `routes[0].to[1].http.url`: the loader's spelling (odd keys quoted, as in
 * `setHeaders["x.trace"]`), so that a path reads the same whichever stage found the problem.
 */
export { formatPath };
