import { FolderEgress } from '../shared/folder/folder-egress';
import { sftpConnection } from './sftp-folder';
import type { SftpTargetDef } from './sftp.config';

/** Folders on SFTP servers as targets: the shared write-then-rename egress, one SSH session per server and user. */
export class SftpEgress extends FolderEgress<SftpTargetDef> {
  readonly kind = 'sftp';

  protected connection(config: SftpTargetDef) {
    const connection = sftpConnection(config);
    return { key: connection.key, connection };
  }
}
