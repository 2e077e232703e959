import { Command, CommanderError, Option } from 'commander';
import { MESSAGE_STATUSES } from '../../../libs/store/src/store.types';
import {
  deadLettersCommand,
  messageCommand,
  messagesCommand,
  reloadCommand,
  replayCommand,
  routesCommand,
  statusCommand,
  type AdminOptions,
} from './admin.commands';
import { CliError, EXIT, EXIT_CODES_HELP } from './exit-codes';
import type { Io } from './output';

// The route-file commands load every connector; the admin commands need none of that, so it loads on use.
const routeFiles = () => import('./route-files.commands');

const DEFAULT_URL = 'http://127.0.0.1:8080';

const ENV_HELP = `
Environment:
  JUNCTION_URL    the bus the admin commands talk to (default ${DEFAULT_URL}); --url overrides it
  JUNCTION_TOKEN  its admin token (ADMIN_TOKEN on the bus); --token overrides it
  ROUTES_DIR      the route folder of validate and test when none is given (default ./routes)
`;

/**
 * The `junction` command. Returns the exit code (see exit-codes.ts), or -1 when the bus was started and keeps
 * the process running.
 */
export async function cli(
  argv: string[],
  env: Record<string, string | undefined>,
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  const io: Io = { out, err };
  let code: number = EXIT.OK;
  const program = new Command('junction')
    .description('Junction, a lightweight enterprise service bus: check and test route files offline, start the bus, operate a running one.')
    .exitOverride()
    .configureOutput({ writeOut: (s) => out.write(s), writeErr: (s) => err.write(s) })
    .showHelpAfterError('(junction --help lists the commands; junction <command> --help its options)')
    .addHelpText('after', `${ENV_HELP}${EXIT_CODES_HELP}`)
    .helpCommand(true);

  // Route files, offline.
  program
    .command('validate')
    .argument('[dir]', 'route folder (default: $ROUTES_DIR or ./routes)')
    .description("check the route files, with every connector's offline checks (files, WSDL operations, patterns); exit 1 on any problem")
    .action(async (dir?: string) => {
      const { routesDir, validateCommand } = await routeFiles();
      code = await validateCommand(routesDir(dir, env), env, io);
    });
  program
    .command('test')
    .argument('[dir]', 'route folder (default: $ROUTES_DIR or ./routes)')
    .description('run the route tests (*.test.yaml) beside the routes; no network is used; exit 1 when one fails')
    .action(async (dir?: string) => {
      const { routesDir, testCommand } = await routeFiles();
      code = await testCommand(routesDir(dir, env), env, io);
    });
  program
    .command('schema')
    .argument('[dir]', 'output folder', 'schemas')
    .description('write the editor JSON Schemas of route and route test files')
    .action(async (dir: string) => void (code = (await routeFiles()).schemaCommand(dir, io)));
  program
    .command('init')
    .argument('[dir]', 'project folder', '.')
    .option('-f, --force', 'overwrite the sample files if they exist')
    .description('scaffold routes/ with a sample route and its test, and schemas/ for editors; then validate and test them')
    .action(async (dir: string, o: { force?: boolean }) => {
      const { initCommand } = await import('./init.command');
      code = await initCommand(dir, o, env, io);
    });
  program
    .command('start')
    .description('start the bus (settings from the environment; see the README)')
    .action(async () => {
      const { main } = await import('../../bus/src/main');
      await main(env);
      code = -1;
    });

  // A running bus, over its admin API.
  const admin = (name: string, description: string) =>
    program
      .command(name)
      .description(description)
      .addOption(new Option('--url <url>', 'the bus (JUNCTION_URL)').default(env.JUNCTION_URL || DEFAULT_URL, env.JUNCTION_URL ? '$JUNCTION_URL' : DEFAULT_URL))
      .addOption(new Option('--token <token>', 'its admin token (JUNCTION_TOKEN)').default(env.JUNCTION_TOKEN || undefined, env.JUNCTION_TOKEN ? '$JUNCTION_TOKEN' : undefined))
      .option('--json', 'print JSON for scripts instead of tables');

  admin('routes', 'the loaded routes: mode, source, targets, file').action(async (o: AdminOptions) => void (code = await routesCommand(o, io)));
  admin('messages', 'search the journal, newest first')
    .option('--route <id>', 'only this route')
    .addOption(new Option('--status <status>', 'only this status').choices(MESSAGE_STATUSES))
    .option('--since <when>', 'received since: a duration back from now (15m, 2h, 7d), an ISO date or epoch ms')
    .option('--key <businessKey>', 'only messages with this business key')
    .option('--limit <n>', 'at most n messages (1-1000)', '50')
    .action(async (o: AdminOptions & { route?: string; status?: string; since?: string; key?: string; limit?: string }) => void (code = await messagesCommand(o, io)));
  admin('message', "one message's journal record: its status, deliveries and dead letters")
    .argument('<id>', 'message id')
    .action(async (id: string, o: AdminOptions) => void (code = await messageCommand(id, o, io)));
  admin('dead-letters', 'dead letters not replayed yet, newest first')
    .option('--route <id>', 'only this route')
    .option('--all', 'include the replayed ones')
    .option('--limit <n>', 'at most n (1-1000)', '50')
    .action(async (o: AdminOptions & { route?: string; all?: boolean; limit?: string }) => void (code = await deadLettersCommand(o, io)));
  admin('replay', 'replay dead letters (a progress bar on a terminal); exit 1 when one could not be replayed')
    .argument('[ids...]', 'dead letter ids')
    .option('--route <id>', "replay every dead letter of this route that was not replayed (up to 1000)")
    .action(async (ids: string[], o: AdminOptions & { route?: string }) => void (code = await replayCommand(ids, o, { ...io, tty: Boolean((err as NodeJS.WriteStream).isTTY) })));
  admin('reload', 'load the route files again; a refused reload lists its problems (exit 1) and the running routes stay').action(
    async (o: AdminOptions) => void (code = await reloadCommand(o, io)),
  );
  admin('status', "the bus's health, each route's source (state, consumer lag) and circuit breakers; exit 1 when not ready").action(
    async (o: AdminOptions) => void (code = await statusCommand(o, io)),
  );

  for (const command of program.commands) if (command.name() !== 'help') command.addHelpText('after', EXIT_CODES_HELP);

  if (argv.length === 0) {
    program.outputHelp({ error: true });
    return EXIT.USAGE;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    if (e instanceof CliError) {
      err.write(`junction: ${e.message}\n`);
      return e.exitCode;
    }
    throw e;
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
