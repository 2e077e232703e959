import { z } from 'zod';
import { folderSourceFields, folderTargetFields } from '../shared/folder/folder.config';

/**
 * Route file schema of the SFTP connector: a folder on an SSH server polled as a source, one written as a target.
 * Credentials (a password, or a private key's PEM text and its passphrase) come from the environment as ${ENV}
 * placeholders and are never logged or shown. The server's host key is pinned by its SHA256 fingerprint (as
 * `ssh-keygen -lf` prints it); a server presenting another key is refused.
 */

const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;
const fingerprint = z.string().regex(FINGERPRINT, { error: 'expected a SHA256 fingerprint as ssh-keygen -lf prints it: SHA256:<43 base64 characters>' });

const connection = {
  host: z.string().min(1).describe('SSH server host name or address.'),
  port: z.int().min(1).max(65_535).default(22).describe('SSH server port.'),
  username: z.string().min(1).describe('User name; may be an ${ENV} placeholder.'),
  password: z.string().min(1).optional().describe('Password; give it as an ${ENV} placeholder.'),
  privateKey: z.string().min(1).optional().describe('Private key, PEM or OpenSSH text; give it as an ${ENV} placeholder.'),
  passphrase: z.string().min(1).optional().describe('Passphrase of the private key; give it as an ${ENV} placeholder.'),
  hostKey: z
    .union([fingerprint, z.array(fingerprint).min(1)])
    .transform((k) => (Array.isArray(k) ? k : [k]))
    .optional()
    .describe('The server\'s host key fingerprint(s), SHA256:... (ssh-keygen -lf <key>.pub); a server presenting another key is refused.'),
  acceptAnyHostKey: z
    .boolean()
    .default(false)
    .describe('Accept whatever host key the server presents (no protection against a man in the middle): for tests only.'),
  connectTimeoutMs: z.int().min(100).max(600_000).default(20_000).describe('Time allowed to connect, sign in and open the SFTP channel.'),
  keepaliveMs: z.int().min(0).max(600_000).default(10_000).describe('SSH keep-alive interval (0: none): a dead connection is noticed after three unanswered.'),
};

function checkConnection(v: { password?: string; privateKey?: string; hostKey?: readonly string[]; acceptAnyHostKey: boolean }, ctx: z.RefinementCtx): void {
  if (v.password === undefined && v.privateKey === undefined) ctx.addIssue({ code: 'custom', message: 'expected password or privateKey' });
  if (v.hostKey === undefined && !v.acceptAnyHostKey) {
    ctx.addIssue({ code: 'custom', path: ['hostKey'], message: 'expected the server\'s host key fingerprint (hostKey: SHA256:...), or acceptAnyHostKey: true' });
  }
  if (v.hostKey !== undefined && v.acceptAnyHostKey) ctx.addIssue({ code: 'custom', path: ['acceptAnyHostKey'], message: 'expected hostKey or acceptAnyHostKey, not both' });
}

export const SftpSourceSchema = z
  .strictObject({ ...connection, ...folderSourceFields })
  .superRefine(checkConnection)
  .describe('Files from a folder on an SFTP server, at least once: each file claimed by one instance, moved to doneDir only after the bus took it.');

export const SftpTargetSchema = z
  .strictObject({ ...connection, ...folderTargetFields })
  .superRefine(checkConnection)
  .describe('Writes each message as a file on an SFTP server, under a temporary name renamed when complete.');

export type SftpSourceDef = z.output<typeof SftpSourceSchema>;
export type SftpTargetDef = z.output<typeof SftpTargetSchema>;
/** What locates an SSH server and signs in to it. */
export type SftpConnectionDef = Pick<
  SftpSourceDef,
  'host' | 'port' | 'username' | 'password' | 'privateKey' | 'passphrase' | 'hostKey' | 'acceptAnyHostKey' | 'connectTimeoutMs' | 'keepaliveMs'
>;
