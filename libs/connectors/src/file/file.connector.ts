import { expressionReadsBody } from '@junction/transform';
import type { ConnectorModule } from '../shared/connector-module';
import { checkFolderSource, checkFolderTarget } from '../shared/folder/folder.check';
import { FileEgress } from './file.egress';
import { FileSourceSchema, FileTargetSchema, type FileSourceDef, type FileTargetDef } from './file.config';
import { FileIngress } from './file.ingress';

/**
 * Local folders: files polled as messages (claimed in the store, so that with several instances one takes a file;
 * moved to a done folder only after the bus took them), and messages written as files, renamed once complete.
 */
export const fileConnector: ConnectorModule<FileSourceDef, FileTargetDef> = {
  kind: 'file',
  title: 'Local folders: files as messages at least once, written under a temporary name and renamed when complete',
  source: FileSourceSchema,
  target: FileTargetSchema,
  settings: [],
  // Two routes polling one folder would take each other's files.
  sourceKeys: (s) => [`file ${s.dir}`],
  targetId: (t) => t.dir,
  // The file gets the body's bytes; only a flat format or a name expression that reads the body needs it parsed.
  sendsBytesAsIs: (t) => t.format === undefined && !expressionReadsBody(t.name),
  check: { source: checkFolderSource, target: checkFolderTarget },
  create: ({ store, log }) => ({ ingress: new FileIngress(log, store.leases), egress: new FileEgress() }),
};
