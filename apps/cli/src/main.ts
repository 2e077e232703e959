import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatProblem, writeJsonSchemas } from '@junction/config';
import { captureEgresses, compileRouteDir, runRouteTests } from '@junction/routing';
import { CONNECTORS } from '../../bus/src/connectors';

const USAGE = `usage: junction <command> [options]

commands:
  validate [dir]   check the route files in dir (default: $ROUTES_DIR or ./routes), with every connector's offline
                   checks (files, WSDL operations, patterns); exit 1 on any problem
  test [dir]       run the route tests (*.test.yaml) beside the routes; no network is used
  schema [dir]     write the editor JSON Schemas of route and route test files into dir (default: ./schemas)
  start            start the bus (settings from the environment; see the README)
`;

/** The `junction` command. Returns the exit code. */
export async function cli(argv: string[], env: Record<string, string | undefined>, out = process.stdout, err = process.stderr): Promise<number> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { help: { type: 'boolean', short: 'h' } } });
  const [command, dirArg] = positionals;
  if (values.help || !command) {
    out.write(USAGE);
    return command || values.help ? 0 : 2;
  }
  if (command === 'schema') {
    for (const file of writeJsonSchemas(CONNECTORS, resolve(dirArg ?? 'schemas'))) out.write(`wrote ${file}\n`);
    return 0;
  }
  const dir = resolve(dirArg ?? env.ROUTES_DIR ?? 'routes');
  switch (command) {
    case 'validate': {
      const set = await compileRouteDir(dir, env, { connectors: CONNECTORS, egress: captureEgresses(CONNECTORS) });
      if (set.problems.length > 0) {
        for (const p of set.problems) err.write(`${formatProblem(p)}\n`);
        err.write(`${set.problems.length} problem${set.problems.length === 1 ? '' : 's'}\n`);
        return 1;
      }
      out.write(`ok: ${set.routes.length} route${set.routes.length === 1 ? '' : 's'} valid in ${dir}\n`);
      return 0;
    }
    case 'test': {
      const run = await runRouteTests(dir, env, CONNECTORS);
      if (run.problems.length > 0) {
        for (const p of run.problems) err.write(`${p}\n`);
        return 1;
      }
      let failed = 0;
      for (const r of run.results) {
        const ok = r.failures.length === 0;
        if (!ok) failed++;
        out.write(`${ok ? 'PASS' : 'FAIL'} ${r.file} › ${r.name}\n`);
        for (const f of r.failures) out.write(`     ${f}\n`);
      }
      out.write(`\n${run.results.length - failed} passed, ${failed} failed\n`);
      return failed > 0 || run.results.length === 0 ? 1 : 0;
    }
    case 'start': {
      const { main } = await import('../../bus/src/main');
      await main(env);
      return -1;
    }
    default:
      err.write(`junction: unknown command "${command}"\n${USAGE}`);
      return 2;
  }
}

if (require.main === module) {
  cli(process.argv.slice(2), process.env).then(
    (code) => {
      if (code >= 0) process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`junction: ${(e as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
