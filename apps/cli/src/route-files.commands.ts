import { resolve } from 'node:path';
import { formatProblem, writeJsonSchemas } from '@junction/config';
import { captureEgresses, compileRouteDir, runRouteTests } from '@junction/routing';
import { CONNECTORS } from '../../bus/src/connectors';
import { EXIT } from './exit-codes';
import { plural, type Io } from './output';

/** The route folder a command works on: the argument, else ROUTES_DIR, else ./routes. */
export function routesDir(dirArg: string | undefined, env: Record<string, string | undefined>): string {
  return resolve(dirArg ?? env.ROUTES_DIR ?? 'routes');
}

/** `junction validate [dir]`: every route file with every connector's offline checks. */
export async function validateCommand(dir: string, env: Record<string, string | undefined>, io: Io): Promise<number> {
  const set = await compileRouteDir(dir, env, { connectors: CONNECTORS, egress: captureEgresses(CONNECTORS) });
  if (set.problems.length > 0) {
    for (const p of set.problems) io.err.write(`${formatProblem(p)}\n`);
    io.err.write(`${plural(set.problems.length, 'problem')}\n`);
    return EXIT.ERROR;
  }
  io.out.write(`ok: ${plural(set.routes.length, 'route')} valid in ${dir}\n`);
  return EXIT.OK;
}

/** `junction test [dir]`: the route tests beside the routes, offline. */
export async function testCommand(dir: string, env: Record<string, string | undefined>, io: Io): Promise<number> {
  const run = await runRouteTests(dir, env, CONNECTORS);
  if (run.problems.length > 0) {
    for (const p of run.problems) io.err.write(`${p}\n`);
    return EXIT.ERROR;
  }
  let failed = 0;
  for (const r of run.results) {
    const ok = r.failures.length === 0;
    if (!ok) failed++;
    io.out.write(`${ok ? 'PASS' : 'FAIL'} ${r.file} › ${r.name}\n`);
    for (const f of r.failures) io.out.write(`     ${f}\n`);
  }
  io.out.write(`\n${run.results.length - failed} passed, ${failed} failed\n`);
  return failed > 0 || run.results.length === 0 ? EXIT.ERROR : EXIT.OK;
}

/** `junction schema [dir]`: the editor JSON Schemas of route and route test files. */
export function schemaCommand(dir: string, io: Io): number {
  for (const file of writeJsonSchemas(CONNECTORS, resolve(dir))) io.out.write(`wrote ${file}\n`);
  return EXIT.OK;
}
