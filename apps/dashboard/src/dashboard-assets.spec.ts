import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ASSET_FILES, PAGE_HEADERS, loadDashboardAssets, publicDir } from './dashboard-assets';

describe('dashboard assets', () => {
  it('finds the public folder from the sources (and so from dist, by the same walk up to package.json)', () => {
    expect(publicDir()).toBe(join(__dirname, '..', 'public'));
    expect(publicDir(join(__dirname, '..', '..', '..', 'dist', 'apps', 'dashboard', 'src'))).toBe(join(__dirname, '..', 'public'));
  });

  it('lists every file of public/assets, so none is left unserved and nothing else can be', () => {
    expect([...ASSET_FILES].sort()).toEqual(readdirSync(join(publicDir(), 'assets')).sort());
  });

  it('loads the pages, the assets and uPlot with their content types and validators', () => {
    const files = loadDashboardAssets();
    expect(files.appPage.contentType).toBe('text/html; charset=utf-8');
    expect(files.loginPage.body.toString()).toContain('login-form');
    expect(files.lockedPage.body.toString()).toMatch(/ADMIN_TOKEN.*ADMIN_USER.*ADMIN_PASSWORD/s);
    expect(files.assets.get('app.js')?.contentType).toBe('text/javascript; charset=utf-8');
    expect(files.assets.get('dashboard.css')?.contentType).toBe('text/css; charset=utf-8');
    expect(files.assets.get('uPlot.iife.min.js')?.body.toString()).toContain('uPlot');
    expect(files.assets.get('uPlot.min.css')?.body.length).toBeGreaterThan(0);
    expect(files.assets.get('../index.html')).toBeUndefined();
    expect(new Set([...files.assets.values()].map((f) => f.etag)).size).toBe(files.assets.size);
  });

  it('pages load no inline script or style, which their Content-Security-Policy would block', () => {
    const files = loadDashboardAssets();
    for (const page of [files.appPage, files.loginPage, files.lockedPage]) {
      const html = page.body.toString();
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    }
    expect(PAGE_HEADERS['content-security-policy']).not.toContain('unsafe-inline');
  });
});
