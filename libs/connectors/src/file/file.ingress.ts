import { mkdir } from 'node:fs/promises';
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

  /**
   * The poller sees the folder's absolute path, so that claims name the same folder on every instance. A missing folder
   * is created first (Camel's `autoCreate`): a route may be loaded before the system that drops files there first ran,
   * and a folder that cannot be created fails the open, which is retried with backoff.
   */
  protected override async open(b: IngressBinding<FileSourceDef>, link: ConsumerLink) {
    const dir = resolve(b.baseDir, b.config.dir);
    await mkdir(dir, { recursive: true });
    return super.open({ ...b, config: { ...b.config, dir } }, link);
  }
}
