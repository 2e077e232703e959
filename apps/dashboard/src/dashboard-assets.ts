import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** One file the dashboard serves, held in memory. */
export interface DashboardFile {
  readonly body: Buffer;
  readonly contentType: string;
  /** Strong validator of the bytes, so a browser revalidates the (unversioned) assets with a 304. */
  readonly etag: string;
}

/** What the dashboard serves: its pages, and the assets by the name they have under /dashboard/assets/. */
export interface DashboardAssets {
  readonly appPage: DashboardFile;
  readonly loginPage: DashboardFile;
  /** Shown when no admin credential is configured: says how to configure one. */
  readonly lockedPage: DashboardFile;
  readonly assets: ReadonlyMap<string, DashboardFile>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
};

/**
 * The assets the dashboard serves, by their URL name: a fixed list, so a request can only ever name one of these
 * (no path from the request reaches the file system). Files under public/assets/ unless given as a module path.
 */
export const ASSET_FILES: readonly string[] = [
  'dashboard.css',
  'app.js',
  'api.js',
  'dom.js',
  'format.js',
  'live.js',
  'charts.js',
  'overview.js',
  'resilience.js',
  'routes.js',
  'diagram.js',
  'flows.js',
  'connectors.js',
  'messages.js',
  'message-view.js',
  'dead-letters.js',
  'dead-letter-edit.js',
  'audit.js',
  'aggregations.js',
  'login.js',
];

/** Third-party assets, resolved from node_modules. */
export const VENDOR_FILES: Readonly<Record<string, string>> = {
  'uPlot.iife.min.js': 'uplot/dist/uPlot.iife.min.js',
  'uPlot.min.css': 'uplot/dist/uPlot.min.css',
};

/**
 * The folder holding the page sources. This file runs from apps/dashboard/src (jest) or dist/apps/dashboard/src (the
 * build, which does not copy static files), so it walks up to the project root (the folder with package.json) and
 * takes apps/dashboard/public from there in both cases.
 */
export function publicDir(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'apps', 'dashboard', 'public');
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}: cannot find the dashboard's files`);
  }
}

/** Reads every page and asset once (at start); a missing file fails the start rather than a later request. */
export function loadDashboardAssets(dir: string = publicDir()): DashboardAssets {
  const assets = new Map<string, DashboardFile>();
  for (const name of ASSET_FILES) assets.set(name, file(join(dir, 'assets', name)));
  for (const [name, modulePath] of Object.entries(VENDOR_FILES)) assets.set(name, file(require.resolve(modulePath)));
  return {
    appPage: file(join(dir, 'index.html')),
    loginPage: file(join(dir, 'login.html')),
    lockedPage: file(join(dir, 'locked.html')),
    assets,
  };
}

function file(path: string): DashboardFile {
  const body = readFileSync(path);
  const ext = path.slice(path.lastIndexOf('.'));
  const contentType = TYPES[ext];
  if (!contentType) throw new Error(`dashboard: no content type for ${path}`);
  return { body, contentType, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

/**
 * Headers of the HTML pages: everything (scripts, styles, API calls, the event stream) only from this origin, nothing
 * inline, never framed, no referrer leaking message ids to other sites, and never cached (the page at one URL differs
 * by session: app, login or locked).
 */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; '),
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

/** Assets are the same for everyone but not versioned in their URL: kept, but revalidated on every use. */
export const ASSET_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': 'no-cache',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};
