import { freePort } from './free-port';
import { startChildProcess, type RunningChild } from './child-process';
import { waitUntil } from './wait-until';

/** A tiny server: prints, serves /health (503 until READY_AFTER_MS passed), exits 0 on SIGTERM. */
const SERVER = `
const http = require('node:http');
const readyAt = Date.now() + Number(process.env.READY_AFTER_MS || 0);
const server = http.createServer((req, res) => {
  res.writeHead(Date.now() >= readyAt ? 200 : 503);
  res.end();
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening on ' + process.env.PORT + ' as ' + process.env.WHO));
console.error('a warning on stderr');
process.on('SIGTERM', () => { console.log('bye'); server.close(() => process.exit(0)); });
`;

describe('startChildProcess', () => {
  const started: RunningChild[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((c) => c.kill('SIGKILL')));
  });
  const start = async (...args: Parameters<typeof startChildProcess>) => {
    const child = await startChildProcess(...args);
    started.push(child);
    return child;
  };

  it('waits for readyUrl to answer 2xx, collects both output streams, and stops on kill', async () => {
    const port = await freePort();
    const child = await start(process.execPath, ['-e', SERVER], {
      env: { PORT: String(port), WHO: 'bus', READY_AFTER_MS: '300' },
      readyUrl: `http://127.0.0.1:${port}/health`,
      readyTimeoutMs: 10_000,
    });
    const res = await fetch(`http://127.0.0.1:${port}/health`);
    expect(res.status).toBe(200);
    expect(child.output()).toContain(`listening on ${port} as bus`);
    expect(child.output()).toContain('a warning on stderr');
    expect(await child.kill()).toBe(0);
    expect(await child.exited).toBe(0);
    expect(child.output()).toContain('bye');
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
  });

  it('passes env over this process environment, unless inheritEnv is false', async () => {
    const script = 'console.log(JSON.stringify({ who: process.env.WHO, path: Boolean(process.env.PATH) }))';
    const inherited = await start(process.execPath, ['-e', script], { env: { WHO: 'a' } });
    expect(await inherited.exited).toBe(0);
    expect(JSON.parse(inherited.output())).toEqual({ who: 'a', path: true });
    const bare = await start(process.execPath, ['-e', script], { env: { WHO: 'b' }, inheritEnv: false });
    expect(await bare.exited).toBe(0);
    expect(JSON.parse(bare.output())).toEqual({ who: 'b', path: false });
  });

  it('runs in cwd', async () => {
    const child = await start(process.execPath, ['-e', 'console.log(process.cwd())'], { cwd: '/' });
    await child.exited;
    expect(child.output().trim()).toBe('/');
  });

  it('resolves exited with the exit code, or null when a signal ended the child', async () => {
    const failing = await start(process.execPath, ['-e', 'process.exit(3)']);
    expect(await failing.exited).toBe(3);
    const sleeper = await start(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    expect(await sleeper.kill('SIGKILL')).toBeNull();
  });

  it('sends SIGKILL after graceMs when the child ignores the signal', async () => {
    const script = 'process.on("SIGTERM", () => console.log("ignored")); setInterval(() => {}, 1000); console.log("up")';
    const stubborn = await start(process.execPath, ['-e', script]);
    await waitUntil(() => stubborn.output().includes('up'), 5_000, 'the child to install its SIGTERM handler');
    const begun = Date.now();
    expect(await stubborn.kill('SIGTERM', 200)).toBeNull();
    expect(Date.now() - begun).toBeGreaterThanOrEqual(150);
    expect(stubborn.output()).toContain('ignored');
  });

  it('rejects with the output when the child exits before it is ready', async () => {
    const port = await freePort();
    await expect(
      startChildProcess(process.execPath, ['-e', 'console.error("config invalid: DATABASE_URL"); process.exit(2)'], {
        readyUrl: `http://127.0.0.1:${port}/health`,
      }),
    ).rejects.toThrow(/exited \(code 2\) before http:\/\/127\.0\.0\.1:\d+\/health was ready; output:\n[^]*config invalid: DATABASE_URL/);
  });

  it('rejects and kills the child when readyUrl does not answer 2xx in time', async () => {
    const port = await freePort();
    const begun = Date.now();
    const err = (await startChildProcess(process.execPath, ['-e', SERVER], {
      env: { PORT: String(port), READY_AFTER_MS: '60000' },
      readyUrl: `http://127.0.0.1:${port}/health`,
      readyTimeoutMs: 500,
    }).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/not ready within 500 ms \(last: (HTTP 503|connect ECONNREFUSED[^)]*)\); output:/);
    expect(Date.now() - begun).toBeLessThan(5_000);
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
  });

  it('reports a command that cannot be spawned', async () => {
    const child = await start('/nonexistent/junction-binary', []);
    expect(await child.exited).toBeNull();
    expect(child.output()).toContain('spawn failed');
  });
});
