import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startChildProcess, waitUntil, type RunningChild } from '@junction/testing';
import { makeTestPki } from './tls';

/** Debian's Python, which has python3-pyftpdlib and python3-openssl (not a pyenv `python3` that may be on PATH). */
export const SYSTEM_PYTHON = '/usr/bin/python3';
const SCRIPT = resolve(__dirname, 'ftpd.py');

/** A real FTPS server (pyftpdlib, explicit TLS, passive mode) on a loopback port, for one suite. */
export interface TestFtpd {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly username: string;
  readonly password: string;
  /** The folder the user lands in (`/` on the server). */
  readonly home: string;
  /** PEM text of the CA that signed the server certificate. */
  readonly ca: string;
  readonly child: RunningChild;
  stop(): Promise<void>;
}

/**
 * Starts test/support/ftpd.py with a throw-away certificate for 127.0.0.1 made by openssl in `dir` and the user's
 * home in `<dir>/ftp-home`. Fails at once with a clear message when the Python modules are missing.
 */
export async function startFtpd(dir: string): Promise<TestFtpd> {
  if (!existsSync(SYSTEM_PYTHON)) throw new Error(`${SYSTEM_PYTHON} is missing: the FTPS suites need Debian's python3 with python3-pyftpdlib and python3-openssl`);
  const pkiDir = join(dir, 'ftp-pki');
  mkdirSync(pkiDir, { recursive: true });
  const pki = makeTestPki(pkiDir);
  const home = join(dir, 'ftp-home');
  mkdirSync(home, { recursive: true });
  const username = 'junction';
  const password = `pw-${Math.random().toString(36).slice(2, 12)}`;
  const child = await startChildProcess(SYSTEM_PYTHON, [SCRIPT, home, username, password, pki.serverCert, pki.serverKey]);
  let port = 0;
  try {
    await waitUntil(
      () => {
        const m = /listening (\d+)/.exec(child.output());
        if (m) port = Number(m[1]);
        return port > 0;
      },
      15_000,
      'the FTPS server listening',
    );
  } catch (err) {
    await child.kill('SIGKILL');
    const output = child.output();
    const hint = /No module named/.test(output) ? ' (install python3-pyftpdlib and python3-openssl for /usr/bin/python3)' : '';
    throw new Error(`the FTPS server did not start${hint}: ${(err as Error).message}\n${output}`);
  }
  return { host: '127.0.0.1', port, username, password, home, ca: readFileSync(pki.ca, 'utf8'), child, stop: async () => void (await child.kill('SIGTERM', 5_000)) };
}
