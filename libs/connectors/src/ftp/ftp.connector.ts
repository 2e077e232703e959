import { expressionReadsBody } from '@junction/transform';
import type { ConnectorModule } from '../shared/connector-module';
import { checkFolderSource, checkFolderTarget } from '../shared/folder/folder.check';
import { FtpEgress } from './ftp.egress';
import { FtpSourceSchema, FtpTargetSchema, type FtpSourceDef, type FtpTargetDef } from './ftp.config';
import { FtpIngress } from './ftp.ingress';

/**
 * FTP and FTPS servers (explicit TLS, or implicit; passive mode): folders polled as sources and written as targets,
 * like local folders (see the file connector). A dropped connection is opened again with backoff.
 */
export const ftpConnector: ConnectorModule<FtpSourceDef, FtpTargetDef> = {
  kind: 'ftp',
  title: 'FTP and FTPS folders: files as messages at least once, written under a temporary name and renamed',
  source: FtpSourceSchema,
  target: FtpTargetSchema,
  settings: [],
  sourceKeys: (s) => [`ftp ${s.host}:${s.port} ${s.dir}`],
  targetId: (t) => `${t.host}:${t.port}${t.dir.startsWith('/') ? '' : '/'}${t.dir}`,
  sendsBytesAsIs: (t) => t.format === undefined && !expressionReadsBody(t.name),
  check: { source: checkFolderSource, target: checkFolderTarget },
  create: ({ store, log }) => ({ ingress: new FtpIngress(log, store.leases), egress: new FtpEgress() }),
};
