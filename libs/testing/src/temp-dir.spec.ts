import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tempDir, writeRoutes, type TempDir } from './temp-dir';

describe('tempDir and writeRoutes', () => {
  let dir: TempDir | undefined;
  afterEach(async () => {
    await dir?.cleanup();
    dir = undefined;
  });

  it('creates an empty directory under the system temp directory, which cleanup removes', async () => {
    dir = await tempDir('junction test/routes');
    expect(dir.path.startsWith(join(tmpdir(), 'junction_test_routes-'))).toBe(true);
    expect(existsSync(dir.path)).toBe(true);
    await writeRoutes(dir.path, { 'a.yaml': 'routes: []' });
    await dir.cleanup();
    expect(existsSync(dir.path)).toBe(false);
    await expect(dir.cleanup()).resolves.toBeUndefined();
  });

  it('gives each call its own directory', async () => {
    dir = await tempDir('junction');
    const other = await tempDir('junction');
    try {
      expect(other.path).not.toBe(dir.path);
    } finally {
      await other.cleanup();
    }
  });

  it('writes files as given, creating sub-directories, and returns their paths', async () => {
    dir = await tempDir('junction');
    const written = await writeRoutes(dir.path, { 'orders.yaml': 'routes:\n  - id: a\n', 'sub/orders.test.yaml': 'tests: []\n' });
    expect(written).toEqual([join(dir.path, 'orders.yaml'), join(dir.path, 'sub', 'orders.test.yaml')]);
    expect(readFileSync(written[0], 'utf8')).toBe('routes:\n  - id: a\n');
    expect(readFileSync(written[1], 'utf8')).toBe('tests: []\n');
  });

  it('overwrites a file written before (for reload tests)', async () => {
    dir = await tempDir('junction');
    await writeRoutes(dir.path, { 'a.yaml': 'one' });
    const [path] = await writeRoutes(dir.path, { 'a.yaml': 'two' });
    expect(readFileSync(path, 'utf8')).toBe('two');
  });

  it.each(['../escape.yaml', '/etc/junction.yaml', 'sub/../../escape.yaml', '.'])('refuses %s', async (name) => {
    dir = await tempDir('junction');
    await expect(writeRoutes(dir.path, { [name]: 'x' })).rejects.toThrow(/not a file path inside/);
  });
});
