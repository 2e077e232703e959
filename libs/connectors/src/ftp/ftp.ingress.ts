import { FolderIngress } from '../shared/folder/folder-ingress';
import type { FolderConnection } from '../shared/folder/remote-folder';
import { ftpConnection } from './ftp-folder';
import type { FtpSourceDef } from './ftp.config';

/** Folders on FTP/FTPS servers as sources: the shared folder ingress on one control connection per route. */
export class FtpIngress extends FolderIngress<FtpSourceDef> {
  readonly kind = 'ftp';

  protected connection(config: FtpSourceDef): FolderConnection {
    return ftpConnection(config);
  }
}
