import { expressionReadsBody } from '@junction/transform';
import type { ConnectorModule } from '../shared/connector-module';
import { checkFolderSource, checkFolderTarget } from '../shared/folder/folder.check';
import { SftpEgress } from './sftp.egress';
import { SftpSourceSchema, SftpTargetSchema, type SftpSourceDef, type SftpTargetDef } from './sftp.config';
import { SftpIngress } from './sftp.ingress';

/**
 * SFTP servers (SSH): folders polled as sources and written as targets, like local folders (see the file connector),
 * with password or private-key sign-in and the server's host key pinned by fingerprint. A dropped session is opened
 * again with backoff.
 */
export const sftpConnector: ConnectorModule<SftpSourceDef, SftpTargetDef> = {
  kind: 'sftp',
  title: 'SFTP folders: files as messages at least once, host key pinned, written under a temporary name and renamed',
  source: SftpSourceSchema,
  target: SftpTargetSchema,
  settings: [],
  sourceKeys: (s) => [`sftp ${s.host}:${s.port} ${s.dir}`],
  targetId: (t) => `${t.host}:${t.port}${t.dir.startsWith('/') ? '' : '/'}${t.dir}`,
  sendsBytesAsIs: (t) => t.format === undefined && !expressionReadsBody(t.name),
  check: { source: checkFolderSource, target: checkFolderTarget },
  create: ({ store, log }) => ({ ingress: new SftpIngress(log, store.leases), egress: new SftpEgress() }),
};
