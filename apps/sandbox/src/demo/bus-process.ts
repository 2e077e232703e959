import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { busLogLine } from './demo-console';

/** How a child process ended: its exit code, or the signal that ended it. */
export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** The bus running as a child process of the demo. */
export interface BusProcess {
  readonly child: ChildProcess;
  /** Settles once the process has exited, whoever ended it; never rejects. */
  readonly exited: Promise<ExitStatus>;
  /** Sends SIGTERM, then SIGKILL if the process is still running after `graceMs`; resolves once it has exited. */
  stop(graceMs: number): Promise<ExitStatus>;
}

/**
 * Starts the bus and forwards each line it prints to `log`, made readable by busLogLine. The child gets its own
 * process group, so that a Ctrl-C in the terminal reaches the demo only and the demo stops things in order (orders
 * first, then the bus, then the sandbox the bus is still delivering to). A safety net kills the child if the demo
 * exits first.
 */
export function spawnBus(
  command: string,
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv; cwd: string; log: (line: string) => void },
): BusProcess {
  const child = spawn(command, args, { env: options.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream! }).on('line', (line) => options.log(busLogLine(line)));
  }
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    // A failed spawn (ENOENT...) emits 'error' and possibly no 'exit'.
    child.once('error', (err) => {
      options.log(`[bus] could not start: ${err.message}`);
      resolve({ code: null, signal: null });
    });
  });
  const killOnExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));

  return {
    child,
    exited,
    async stop(graceMs) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const status = await exited;
      clearTimeout(timer);
      return status;
    },
  };
}

/**
 * Polls `url` until it answers 200. Rejects when `timeoutMs` passes, when `exited` settles first (the process died
 * while starting), or when `signal` aborts.
 */
export async function waitForHealth(
  url: string,
  timeoutMs: number,
  exited: Promise<ExitStatus>,
  signal?: AbortSignal,
): Promise<void> {
  let dead: ExitStatus | undefined;
  void exited.then((s) => (dead = s));
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (dead) throw new Error(`the bus exited while starting (${describeExit(dead)})`);
    if (signal?.aborted) throw new Error('stopped while waiting for the bus');
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the bus did not answer 200 on ${url} within ${timeoutMs} ms (last: ${last})`);
}

export function describeExit(status: ExitStatus): string {
  return status.signal ? `signal ${status.signal}` : `exit code ${status.code}`;
}

/** `preferred` when nothing listens on it at `host`, else a free port chosen by the system. */
export async function portOrFree(preferred: number, host = '127.0.0.1'): Promise<number> {
  const tryListen = (port: number) =>
    new Promise<number | undefined>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(undefined));
      server.listen(port, host, () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : undefined));
      });
    });
  const port = (await tryListen(preferred)) ?? (await tryListen(0));
  if (port === undefined) throw new Error(`cannot find a free port on ${host}`);
  return port;
}
