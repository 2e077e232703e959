import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';

export interface ChildProcessOptions {
  /** Variables for the child, over this process's environment (unless `inheritEnv` is false). */
  env?: NodeJS.ProcessEnv;
  /** Start from this process's environment (default true): PATH, HOME... are usually needed. */
  inheritEnv?: boolean;
  cwd?: string;
  /** When set, startChildProcess resolves only once a GET on this URL answers 2xx. */
  readyUrl?: string;
  /** How long to wait for `readyUrl` (default 30000). */
  readyTimeoutMs?: number;
  /** Also copy the child's output to this process's stderr, prefixed (for debugging a test). */
  echo?: string;
}

export interface RunningChild {
  readonly child: ChildProcess;
  /** Everything the child printed so far, stdout and stderr interleaved (the last 1 MiB). */
  output(): string;
  /**
   * Sends `signal` (default SIGTERM), then SIGKILL if the child still runs after `graceMs` (default 10000). Resolves
   * like `exited`. Safe to call when the child has already exited.
   */
  kill(signal?: NodeJS.Signals, graceMs?: number): Promise<number | null>;
  /** Resolves with the exit code once the child has exited; null when a signal ended it or it never started. */
  readonly exited: Promise<number | null>;
}

const OUTPUT_LIMIT = 1024 * 1024;

/**
 * Starts a process and, with `readyUrl`, waits until it serves. Rejects (after killing the child) when the child exits
 * before it is ready, or when `readyTimeoutMs` passes; the error carries the end of its output. A safety net kills the
 * child if this process exits first, so that a crashed test run leaves nothing behind.
 */
export async function startChildProcess(
  command: string,
  args: readonly string[],
  options: ChildProcessOptions = {},
): Promise<RunningChild> {
  const env = options.inheritEnv === false ? { ...options.env } : { ...process.env, ...options.env };
  const child = spawn(command, args, { env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    if (output.length > OUTPUT_LIMIT) output = output.slice(-OUTPUT_LIMIT);
    if (options.echo !== undefined) process.stderr.write(prefixLines(options.echo, chunk.toString('utf8')));
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);

  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', (err) => {
      output += `\n[spawn failed: ${err.message}]\n`;
      resolve(null);
    });
  }).then((code) => {
    exitCode = code;
    return code;
  });
  const running = () => exitCode === undefined && child.exitCode === null && child.signalCode === null;
  const safetyNet = () => {
    if (running()) child.kill('SIGKILL');
  };
  process.once('exit', safetyNet);
  void exited.then(() => process.off('exit', safetyNet));

  const handle: RunningChild = {
    child,
    output: () => output,
    exited,
    async kill(signal = 'SIGTERM', graceMs = 10_000) {
      if (running()) child.kill(signal);
      const timer = setTimeout(() => {
        if (running()) child.kill('SIGKILL');
      }, graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };

  if (options.readyUrl === undefined) return handle;
  const timeoutMs = options.readyTimeoutMs ?? 30_000;
  const describe = `${command} ${args.join(' ')}`.trim();
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (!running()) {
      await exited;
      throw new Error(`${describe} exited (code ${exitCode}) before ${options.readyUrl} was ready; output:\n${tail(output)}`);
    }
    const status = await probe(options.readyUrl);
    if (typeof status === 'number' && status >= 200 && status < 300) return handle;
    last = typeof status === 'number' ? `HTTP ${status}` : status;
    await new Promise((r) => setTimeout(r, 100));
  }
  await handle.kill('SIGKILL');
  throw new Error(`${describe}: ${options.readyUrl} not ready within ${timeoutMs} ms (last: ${last}); output:\n${tail(output)}`);
}

/** One GET without keep-alive: the status, or the error message. */
function probe(url: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'GET', agent: false, timeout: 1_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', (err) => resolve(err.message));
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 1000 ms')));
    req.on('error', (err) => resolve(err.message));
    req.end();
  });
}

function tail(text: string, lines = 40): string {
  return text.split('\n').slice(-lines).join('\n');
}

function prefixLines(prefix: string, text: string): string {
  return text.replace(/^(?=.)/gm, `${prefix} `);
}
