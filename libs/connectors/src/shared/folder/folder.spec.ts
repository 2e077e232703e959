import { FtpSourceSchema } from '../../ftp/ftp.config';
import { FileSourceSchema, FileTargetSchema } from '../../file/file.config';
import { SftpSourceSchema, SftpTargetSchema } from '../../sftp/sftp.config';
import { hostKeyFingerprint, redactSecrets } from '../../sftp/sftp-folder';
import { checkFolderSource, checkFolderTarget } from './folder.check';
import { fileNameProblem } from './folder-egress';
import { fileContentType } from './file-message';

const KEY = 'SHA256:' + 'A'.repeat(43);
const sftp = { host: 'sftp.example', username: 'erp', privateKey: 'PEM', hostKey: KEY, dir: '/exports' };

describe('folder source and target configs', () => {
  it('fills the defaults of a file source: stable files, moved to .done, refused ones to .error', () => {
    expect(FileSourceSchema.parse({ dir: './in' })).toMatchObject({
      include: ['*'],
      exclude: [],
      ready: 'stable',
      after: 'move',
      doneDir: '.done',
      errorDir: '.error',
      pollMs: 1_000,
      claimMs: 60_000,
    });
    expect(FileTargetSchema.parse({ dir: './out' })).toMatchObject({ exists: 'fail' });
  });

  it.each([
    ['without credentials', { ...sftp, privateKey: undefined }, /expected password or privateKey/],
    ['without a host key', { ...sftp, hostKey: undefined }, /host key fingerprint/],
    ['with a host key that is no SHA256 fingerprint', { ...sftp, hostKey: 'MD5:aa:bb' }, /SHA256 fingerprint/],
    ['with a pinned key and acceptAnyHostKey', { ...sftp, acceptAnyHostKey: true }, /not both/],
    ['with a done folder that is a path', { ...sftp, doneDir: 'a/b' }, /without \//],
  ])('refuses an SFTP source %s', (_what, config, message) => {
    const result = SftpSourceSchema.safeParse(config);
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.message).join('\n')).toMatch(message);
  });

  it('takes an SFTP source with a pinned key (one or several) or acceptAnyHostKey, and a target alike', () => {
    expect(SftpSourceSchema.parse(sftp)).toMatchObject({ port: 22, hostKey: [KEY], acceptAnyHostKey: false });
    expect(SftpSourceSchema.parse({ ...sftp, hostKey: [KEY, KEY] }).hostKey).toHaveLength(2);
    expect(SftpSourceSchema.parse({ ...sftp, hostKey: undefined, acceptAnyHostKey: true }).hostKey).toBeUndefined();
    expect(SftpTargetSchema.parse({ ...sftp, name: "'x.csv'", exists: 'append' })).toMatchObject({ exists: 'append' });
  });

  it('reads FTP security as plain, explicit TLS or implicit TLS', () => {
    const ftp = { host: 'ftp.example', username: 'u', password: 'p', dir: '/in' };
    expect(FtpSourceSchema.parse(ftp)).toMatchObject({ port: 21, secure: false, rejectUnauthorized: true });
    expect(FtpSourceSchema.parse({ ...ftp, secure: true }).secure).toBe(true);
    expect(FtpSourceSchema.parse({ ...ftp, secure: 'implicit' }).secure).toBe('implicit');
    expect(FtpSourceSchema.safeParse({ ...ftp, secure: 'explicit' }).success).toBe(false);
  });

  it('checks offline: split needs a format, a format compiles, a name expression parses, done and error folders differ', () => {
    expect(checkFolderSource(FileSourceSchema.parse({ dir: 'in', split: 'records' }))).toEqual([{ path: ['split'], message: expect.stringMatching(/needs a format/) }]);
    expect(checkFolderSource(FileSourceSchema.parse({ dir: 'in', doneDir: 'x', errorDir: 'x' }))).toEqual([{ path: ['errorDir'], message: expect.any(String) }]);
    expect(checkFolderSource(FileSourceSchema.parse({ dir: 'in', format: { csv: { header: true } }, split: 'records' }))).toEqual([]);
    expect(checkFolderTarget(FileTargetSchema.parse({ dir: 'out', name: "'a' & " }))).toEqual([{ path: ['name'], message: expect.stringMatching(/JSONata/) }]);
    expect(checkFolderTarget(FileTargetSchema.parse({ dir: 'out', name: "orderId & '.xml'" }))).toEqual([]);
  });
});

describe('file names, content types and host keys', () => {
  it.each([
    ['ORD-1.xml', undefined],
    ['', /no name/],
    ['..', /no file name/],
    ['a/b.csv', /has a \/ or \\/],
    ['a\\b.csv', /has a \/ or \\/],
    ['x'.repeat(256), /longer than 255/],
  ])('a target file named %j: %s', (name, problem) => {
    if (problem === undefined) expect(fileNameProblem(name)).toBeUndefined();
    else expect(fileNameProblem(name)).toMatch(problem);
  });

  it.each([
    ['orders.json', '{}', undefined, 'application/json'],
    ['orders.XML', '<a/>', undefined, 'application/xml'],
    ['stock.csv', 'a,b', undefined, 'text/csv; charset=utf-8'],
    ['export.dat', '{"a":1}', undefined, 'application/json'],
    ['export.dat', '<a/>', undefined, 'application/xml'],
    ['export.dat', 'plain', undefined, 'text/plain; charset=utf-8'],
    ['export.dat', 'plain', 'application/edifact', 'application/edifact'],
  ])('%s holding %j (configured %s) is %s', (name, body, configured, type) => {
    expect(fileContentType(name, Buffer.from(body), configured)).toBe(type);
  });

  it('prints a host key fingerprint as ssh-keygen -lf does: SHA256 of the key blob, base64 without padding', () => {
    const fingerprint = hostKeyFingerprint(Buffer.from('ssh-ed25519 key blob'));
    expect(fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('removes secrets from error texts', () => {
    expect(redactSecrets('auth failed for s3cret-pass at host', ['s3cret-pass', undefined])).toBe('auth failed for *** at host');
  });
});
