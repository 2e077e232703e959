#!/usr/bin/env node
// @ts-check
'use strict';
/**
 * Makes docs/dashboard.png and docs/route-diagram.png, the README's pictures of the dashboard: runs the demo
 * (`node dist/apps/sandbox/src/demo.js`, so build first: `npm run build`) on free ports with a database of its own,
 * signs in to /dashboard in headless Chromium, waits until the throughput chart has `DASHBOARD_SHOT_POINTS` seconds of
 * traffic (default 60), saves a 1280x800 screenshot of the overview, then one of the web-orders route's flow with its
 * counts, and stops the demo.
 *
 * Settings: CHROMIUM_PATH (default /usr/bin/chromium; never downloaded), DASHBOARD_SHOT_POINTS, DASHBOARD_SHOT_OUT
 * (default docs/dashboard.png), DIAGRAM_SHOT_OUT (default docs/route-diagram.png), DASHBOARD_SHOT_TIMEOUT_MS (default
 * 180000). Exit code 0 when the pictures are saved.
 */
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { randomBytes } = require('node:crypto');
const { chromium } = require('playwright-core');

const root = path.resolve(__dirname, '..');
const demoEntry = path.join(root, 'dist', 'apps', 'sandbox', 'src', 'demo.js');
const out = path.resolve(root, process.env.DASHBOARD_SHOT_OUT || 'docs/dashboard.png');
const diagramOut = path.resolve(root, process.env.DIAGRAM_SHOT_OUT || 'docs/route-diagram.png');
const DIAGRAM_ROUTE = 'web-orders';
const points = Number(process.env.DASHBOARD_SHOT_POINTS || 60);
const timeoutMs = Number(process.env.DASHBOARD_SHOT_TIMEOUT_MS || 180_000);
const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/**
 * Starts the demo and resolves with its dashboard URL once it prints it. The admin login is this script's own (a
 * random password), so whatever the environment holds never ends up in a picture or a log.
 */
function startDemo(dir, admin) {
  const env = {
    ...process.env,
    PORT: '0',
    SANDBOX_PORT: '0',
    DATABASE_URL: `sqlite:${path.join(dir, 'junction.db')}`,
    DEMO_SEED: '7',
    DEMO_DURATION_MS: String(timeoutMs + 60_000),
    ADMIN_USER: admin.user,
    ADMIN_PASSWORD: admin.password,
  };
  delete env.ADMIN_TOKEN;
  delete env.ADMIN_PORT;
  const child = spawn(process.execPath, [demoEntry], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const url = new Promise((resolve, reject) => {
    let buffer = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      const found = /dashboard\s+(http:\/\/\S+\/dashboard)/.exec(buffer);
      if (found) resolve(found[1]);
      // Only the recent output is kept: the demo logs a line per order.
      if (buffer.length > 20_000) buffer = buffer.slice(-2_000);
    });
    void exited.then((status) => reject(new Error(`the demo exited before it was ready (${JSON.stringify(status)})`)));
  });
  return { child, exited, url };
}

async function shoot(url, admin) {
  const browser = await chromium.launch({ executablePath, headless: true });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(30_000);
    await page.goto(url);
    await page.getByTestId('login-username').fill(admin.user);
    await page.getByTestId('login-password').fill(admin.password);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('bus-figures').waitFor();
    console.log(`dashboard-screenshot: signed in at ${url}; waiting for ${points} s of throughput on the chart`);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const drawn = Number(await page.getByTestId('chart-throughput').getAttribute('data-points'));
      const inRate = Number(await page.getByTestId('bus-in-rate').getAttribute('data-value'));
      if (drawn >= points && inRate > 0) break;
      if (Date.now() > deadline) throw new Error(`no throughput on the chart after ${timeoutMs} ms (${drawn} points)`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    // The cursor off the charts, so their legends show the series names rather than one instant's values.
    await page.mouse.move(0, 0);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    await page.screenshot({ path: out });
    console.log(`dashboard-screenshot: saved ${path.relative(root, out)}`);
    await shootDiagram(page);
  } finally {
    await browser.close();
  }
}

/** The flow of DIAGRAM_ROUTE with its counts, once its CRM edge has counted deliveries. */
async function shootDiagram(page) {
  await page.setViewportSize({ width: 1440, height: 560 });
  await page.goto(`${page.url().split('#')[0]}#/flows/${DIAGRAM_ROUTE}`);
  const diagram = page.locator(`[data-testid="diagram"][data-route="${DIAGRAM_ROUTE}"]`);
  await diagram.waitFor();
  const deadline = Date.now() + 30_000;
  for (;;) {
    const delivered = await page.locator('[data-testid="diagram-edge-count"][data-target="crm-orders"]').first().getAttribute('data-ok');
    if (Number(delivered) > 0) break;
    if (Date.now() > deadline) throw new Error(`no deliveries counted on the ${DIAGRAM_ROUTE} flow`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  await page.mouse.move(0, 0);
  fs.mkdirSync(path.dirname(diagramOut), { recursive: true });
  await page.screenshot({ path: diagramOut });
  console.log(`dashboard-screenshot: saved ${path.relative(root, diagramOut)}`);
}

async function main() {
  if (!fs.existsSync(demoEntry)) throw new Error(`${path.relative(root, demoEntry)} is missing: run npm run build first`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'junction-shot-'));
  const admin = { user: 'admin', password: randomBytes(12).toString('base64url') };
  const demo = startDemo(dir, admin);
  try {
    await shoot(await demo.url, admin);
  } finally {
    // The demo's own Ctrl-C handling stops the bus and the sandbox in order.
    if (demo.child.exitCode === null) demo.child.kill('SIGINT');
    const killer = setTimeout(() => demo.child.kill('SIGKILL'), 30_000);
    await demo.exited;
    clearTimeout(killer);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`dashboard-screenshot: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
