import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort, startChildProcess, waitUntil, type RunningChild } from '@junction/testing';
import { listening } from './services';

export const SSHD = '/usr/sbin/sshd';

/** A real OpenSSH server on a loopback port, with a throw-away host key and user key, for one suite. */
export interface TestSshd {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** The user signing in: the user running the tests. */
  readonly username: string;
  /** The user's private key (OpenSSH PEM text), authorised on this server only. */
  readonly privateKey: string;
  /** The host key's SHA256 fingerprint as `ssh-keygen -lf` prints it. */
  readonly hostKey: string;
  /** The fingerprint of another, unrelated key (for the unknown host key test). */
  readonly otherHostKey: string;
  readonly child: RunningChild;
  stop(): Promise<void>;
}

function fingerprintOf(pubFile: string): string {
  const out = execFileSync('ssh-keygen', ['-lf', pubFile], { encoding: 'utf8' });
  const match = /(SHA256:[A-Za-z0-9+/]{43})/.exec(out);
  if (!match) throw new Error(`ssh-keygen printed no SHA256 fingerprint: ${out}`);
  return match[1];
}

/**
 * Starts `sshd -D -e -f <own config>` on a free loopback port, with keys made by ssh-keygen in `dir` (nothing is
 * committed), SFTP served in-process (internal-sftp), and the current user allowed in with the made key only. Fails
 * at once with a clear message when OpenSSH's server is not installed.
 */
export async function startSshd(dir: string): Promise<TestSshd> {
  if (!existsSync(SSHD)) {
    throw new Error(`${SSHD} is missing: the SFTP suites need OpenSSH's server (Debian: apt-get install openssh-server)`);
  }
  const keys = join(dir, 'ssh');
  mkdirSync(keys, { recursive: true });
  const keygen = (file: string) => execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'junction-test', '-f', join(keys, file)]);
  keygen('host_key');
  keygen('user_key');
  keygen('other_key');
  writeFileSync(join(keys, 'authorized_keys'), readFileSync(join(keys, 'user_key.pub')));
  const username = userInfo().username;
  // sshd wants its privilege separation folder even when it never changes user.
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true });
  const port = await freePort();
  const config = join(keys, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(keys, 'host_key')}`,
      `PidFile ${join(keys, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(keys, 'authorized_keys')}`,
      `AllowUsers ${username}`,
      'StrictModes no',
      'UsePAM no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      process.getuid?.() === 0 ? 'PermitRootLogin yes' : 'PermitRootLogin no',
      'Subsystem sftp internal-sftp',
      'MaxSessions 100',
      'MaxStartups 100:30:200',
      'LogLevel ERROR',
      '',
    ].join('\n'),
  );
  const child = await startChildProcess(SSHD, ['-D', '-e', '-f', config]);
  try {
    await waitUntil(() => listening(port, 500), 15_000, `sshd listening on 127.0.0.1:${port}`);
  } catch (err) {
    await child.kill('SIGKILL');
    throw new Error(`sshd did not start: ${(err as Error).message}\n${child.output()}`);
  }
  return {
    host: '127.0.0.1',
    port,
    username,
    privateKey: readFileSync(join(keys, 'user_key'), 'utf8'),
    hostKey: fingerprintOf(join(keys, 'host_key.pub')),
    otherHostKey: fingerprintOf(join(keys, 'other_key.pub')),
    child,
    stop: async () => void (await child.kill('SIGTERM', 5_000)),
  };
}
