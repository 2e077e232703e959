/**
 * The exit codes of every `junction` command, for scripts:
 * 0 done; 1 the bus answered with an error or nothing was found (also: invalid routes, failing route tests);
 * 2 usage error (unknown command or option, bad value); 3 the bus cannot be reached.
 */
export const EXIT = { OK: 0, ERROR: 1, USAGE: 2, UNREACHABLE: 3 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The help text's summary of the exit codes (also in the README). */
export const EXIT_CODES_HELP = `
Exit codes:
  0  done
  1  the bus answered with an error, or nothing was found (invalid routes, failing route tests)
  2  usage error: unknown command or option, bad value
  3  the bus cannot be reached (JUNCTION_URL)
`;

/** An error that ends a command with its message on stderr and the given exit code. */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
  ) {
    super(message);
  }
}
