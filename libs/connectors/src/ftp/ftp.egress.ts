import { FolderEgress } from '../shared/folder/folder-egress';
import { ftpConnection } from './ftp-folder';
import type { FtpTargetDef } from './ftp.config';

/** Folders on FTP/FTPS servers as targets: the shared write-then-rename egress, one control connection per server and user. */
export class FtpEgress extends FolderEgress<FtpTargetDef> {
  readonly kind = 'ftp';

  protected connection(config: FtpTargetDef) {
    const connection = ftpConnection(config);
    return { key: connection.key, connection };
  }
}
