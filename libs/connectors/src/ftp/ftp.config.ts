import { z } from 'zod';
import { folderSourceFields, folderTargetFields } from '../shared/folder/folder.config';

/**
 * Route file schema of the FTP connector: a folder on an FTP or FTPS server polled as a source, one written as a
 * target. Passive mode (EPSV, else PASV) is always used. `secure: true` is explicit FTPS (AUTH TLS on the control
 * connection, data connections protected too), `secure: implicit` the legacy TLS-from-the-start. Credentials come
 * from the environment as ${ENV} placeholders and are never logged or shown.
 */

const connection = {
  host: z.string().min(1).describe('FTP server host name or address.'),
  port: z.int().min(1).max(65_535).default(21).describe('FTP control port (implicit FTPS usually listens on 990).'),
  username: z.string().min(1).describe('User name; may be an ${ENV} placeholder.'),
  password: z.string().optional().describe('Password; give it as an ${ENV} placeholder.'),
  secure: z
    .union([z.boolean(), z.literal('implicit')])
    .default(false)
    .describe('true: explicit FTPS (AUTH TLS, recommended), implicit: TLS from the first byte, false: plain FTP (credentials in clear).'),
  ca: z.string().min(1).optional().describe('PEM text of the CA(s) that signed the server certificate, when not a public one; may be an ${ENV} placeholder.'),
  rejectUnauthorized: z.boolean().default(true).describe('Refuse a server certificate that does not verify (leave true outside tests).'),
  timeoutMs: z.int().min(100).max(600_000).default(30_000).describe('Time allowed for the server to answer one command or transfer step.'),
};

export const FtpSourceSchema = z
  .strictObject({ ...connection, ...folderSourceFields })
  .describe('Files from a folder on an FTP/FTPS server, at least once: each file claimed by one instance, moved to doneDir only after the bus took it.');

export const FtpTargetSchema = z
  .strictObject({ ...connection, ...folderTargetFields })
  .describe('Writes each message as a file on an FTP/FTPS server, under a temporary name renamed when complete.');

export type FtpSourceDef = z.output<typeof FtpSourceSchema>;
export type FtpTargetDef = z.output<typeof FtpTargetSchema>;
export type FtpConnectionDef = Pick<FtpSourceDef, 'host' | 'port' | 'username' | 'password' | 'secure' | 'ca' | 'rejectUnauthorized' | 'timeoutMs'>;
