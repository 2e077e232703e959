import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '@junction/testing';

/** `npm run demo`, as a new user runs it (built code, sample routes, sandbox), for a few seconds. */
describe('the demo', () => {
  test('starts the bus and the sandbox, orders flow, and it stops cleanly by itself', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'junction-demo-'));
    const env = {
      ...process.env,
      PORT: String(await freePort()),
      SANDBOX_PORT: String(await freePort()),
      DATABASE_URL: `sqlite:${join(dir, 'demo.db')}`,
      // Long enough for a stock export to reach the CRM and for order files to come back, on a busy machine.
      DEMO_DURATION_MS: '8000',
      // A folder of its own, never the repository's ./data.
      LEGACY_WAREHOUSE_DIR: join(dir, 'legacy-warehouse'),
      DEMO_SEED: '42',
    };
    const root = resolve(__dirname, '..');
    const child = spawn(process.execPath, [join(root, 'dist/apps/sandbox/src/demo.js')], { cwd: root, env });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    const code = await new Promise<number | null>((done) => child.on('exit', done));
    const orderFiles = readdirSync(join(dir, 'legacy-warehouse', 'orders', 'done'));
    rmSync(dir, { recursive: true, force: true });
    expect({ code, tail: output.slice(-1500) }).toEqual({ code: 0, tail: expect.any(String) });
    expect(output).toMatch(/bus\s+ready at/);
    expect(output).toMatch(/-> 202 Accepted/);
    const summary = /sandbox received: crm (\d+)/.exec(output);
    expect(Number(summary?.[1])).toBeGreaterThan(0);
    // RabbitMQ and Mosquitto answer here (CI starts them): the warehouse and the device feed flow through the bus.
    const warehouse = /== warehouse \| released for picking: (\d+) .*\| pick requests received: (\d+)/.exec(output);
    expect(Number(warehouse?.[2])).toBeGreaterThan(0);
    const devices = /== devices \| \d+ devices, readings published: (\d+)/.exec(output);
    expect(Number(devices?.[1])).toBeGreaterThan(0);
    // The legacy warehouse that talks files: its stock CSVs reach the CRM one SKU at a time, and the web orders the
    // demo forwarded come back as fixed-width order files that it read (the last summary holds the final counts).
    const files = [...output.matchAll(/== legacy warehouse \(files\): stock CSVs written (\d+).* \| CRM stock levels: (\d+) \| order files read (\d+) \((\d+) orders, (\d+) lines\) \| web orders forwarded: (\d+) \((\d+) accepted/g)].at(-1);
    const [written, stockLevels, filesRead, orders, lines, forwarded, accepted] = (files ?? []).slice(1).map(Number);
    console.log(`demo legacy warehouse: ${written} stock CSVs, ${stockLevels} CRM stock levels, ${forwarded} orders forwarded (${accepted} accepted), ${filesRead} order files read (${orders} orders, ${lines} lines)`);
    expect(written).toBeGreaterThan(0);
    expect(stockLevels).toBeGreaterThan(0);
    expect(accepted).toBeGreaterThan(0);
    expect(filesRead).toBeGreaterThan(0);
    expect(orders).toBe(filesRead);
    expect(lines).toBeGreaterThanOrEqual(orders);
    expect(orderFiles).toHaveLength(filesRead);
  });
});
