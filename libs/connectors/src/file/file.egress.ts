import { resolve } from 'node:path';
import type { EgressEndpoint, EndpointContext } from '@junction/core';
import { FolderEgress } from '../shared/folder/folder-egress';
import { localConnection } from '../shared/folder/local-folder';
import type { FileTargetDef } from './file.config';

/** Local folders as targets: the shared write-then-rename egress on the local file system. */
export class FileEgress extends FolderEgress<FileTargetDef> {
  readonly kind = 'file';

  protected connection() {
    return { key: 'local', connection: localConnection };
  }

  override endpoint(config: FileTargetDef, context: EndpointContext): EgressEndpoint {
    return super.endpoint({ ...config, dir: resolve(context.baseDir, config.dir) }, context);
  }
}
