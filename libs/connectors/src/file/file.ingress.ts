import { resolve } from 'node:path';
import type { IngressBinding } from '@junction/core';
import type { ConsumerLink } from '../shared/broker-ingress';
import { FolderIngress } from '../shared/folder/folder-ingress';
import { localConnection } from '../shared/folder/local-folder';
import type { FolderConnection } from '../shared/folder/remote-folder';
import type { FileSourceDef } from './file.config';

/** Local folders as sources: the shared folder ingress on the local file system, `dir` resolved from the route file. */
export class FileIngress extends FolderIngress<FileSourceDef> {
  readonly kind = 'file';

  protected connection(): FolderConnection {
    return localConnection;
  }

  /** The poller sees the folder's absolute path, so that claims name the same folder on every instance. */
  protected override open(b: IngressBinding<FileSourceDef>, link: ConsumerLink) {
    return super.open({ ...b, config: { ...b.config, dir: resolve(b.baseDir, b.config.dir) } }, link);
  }
}
