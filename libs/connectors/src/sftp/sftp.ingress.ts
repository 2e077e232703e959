import { FolderIngress } from '../shared/folder/folder-ingress';
import type { FolderConnection } from '../shared/folder/remote-folder';
import { redactSecrets, sftpConnection } from './sftp-folder';
import type { SftpSourceDef } from './sftp.config';
import { toBusError } from '@junction/core';

/** Folders on SFTP servers as sources: the shared folder ingress on one SSH session per route. */
export class SftpIngress extends FolderIngress<SftpSourceDef> {
  readonly kind = 'sftp';
  private readonly secrets = new Set<string>();

  protected connection(config: SftpSourceDef): FolderConnection {
    for (const s of [config.password, config.privateKey, config.passphrase]) if (s) this.secrets.add(s);
    return sftpConnection(config);
  }

  protected override describeError(err: unknown): string {
    return redactSecrets(toBusError(err).message, [...this.secrets]);
  }
}
