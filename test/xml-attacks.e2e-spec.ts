import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, startChildProcess, startTargetServer, type RunningChild, type TargetServer } from '@junction/testing';
import { copyWsdlFixtures } from './support/soap';

const MAIN = resolve(__dirname, '..', 'dist', 'apps', 'bus', 'src', 'main.js');
const ROUTES = `
routes:
  - id: xml-in
    from: { http: { path: /xml } }
    mode: async
    to: [{ id: sink, http: { url: "\${TARGET_URL}/sink" } }]
  - id: soap-in
    from: { soap: { path: /soap/orders, wsdl: wsdl/order-service.wsdl } }
    mode: async
    to: [{ id: soap-sink, http: { url: "\${TARGET_URL}/soap-sink" } }]
`;

const laughs = () => {
  let dtd = '<!ENTITY lol "lol">';
  for (let i = 1; i <= 9; i++) dtd += `<!ENTITY lol${i} "${`&lol${i === 1 ? '' : i - 1};`.repeat(10)}">`;
  return `<?xml version="1.0"?><!DOCTYPE lolz [${dtd}]><lolz>&lol9;</lolz>`;
};
const xxe = '<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><foo>&xxe;</foo>';
const deep = (n: number) => '<a>'.repeat(n) + '</a>'.repeat(n);
const attributes = (n: number) => `<a ${Array.from({ length: n }, (_, i) => `a${i}="1"`).join(' ')}/>`;
const le = (text: string) => Buffer.from(text, 'utf16le');
const be = (text: string) => le(text).swap16();
const bom = (first: number, second: number, rest: Buffer) => Buffer.concat([Buffer.from([first, second]), rest]);
// Even length, so that a UTF-16 decoder finds no odd byte: the lie must be caught by what it means, not by chance.
const even = (text: string) => Buffer.from(text.length % 2 === 0 ? text : `${text} `, 'latin1');
const declared = (encoding: string, doc: string) => `<?xml version="1.0" encoding="${encoding}"?>${doc.replace(/^<\?xml[^>]*\?>/, '')}`;
const soap12 = (payload: string) =>
  `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>${payload}</s:Body></s:Envelope>`;

/** Status and milliseconds to the response, over a plain connection (the body is sent whole, as an attacker would). */
function send(url: string, body: Buffer, contentType: string): Promise<{ status: number; ms: number; text: string }> {
  return new Promise((done, fail) => {
    const started = performance.now();
    let answered = false;
    const req = request(url, { method: 'POST', headers: { 'content-type': contentType, 'content-length': body.length } }, (res) => {
      answered = true;
      const ms = performance.now() - started;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      // The server may close the connection right after answering (413 before the body is read): 'close' then.
      const finish = () => done({ status: res.statusCode ?? 0, ms, text });
      res.on('end', finish);
      res.on('close', finish);
    });
    // The server may answer and close before the whole body is written: that is the point, not an error, as long
    // as an answer came (a connection dropped without one is reported as status 0).
    req.on('error', (err) => {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EPIPE' && code !== 'ECONNRESET') return fail(err);
      setTimeout(() => answered || done({ status: 0, ms: performance.now() - started, text: String(code) }), 1000);
    });
    req.end(body);
  });
}

/**
 * A request declaring a large body: headers first, then the body in 1 MB chunks, but only while no answer has come.
 * A server that refuses on Content-Length answers before any chunk is sent, so its answer cannot be lost to the
 * connection reset that closing on unread body data causes; one that waits for the body gets it all.
 */
function sendLarge(url: string, body: Buffer, contentType: string): Promise<{ status: number; ms: number }> {
  return new Promise((done, fail) => {
    const started = performance.now();
    let answered = false;
    const req = request(url, { method: 'POST', headers: { 'content-type': contentType, 'content-length': body.length } }, (res) => {
      answered = true;
      const ms = performance.now() - started;
      res.resume();
      res.on('end', () => {
        req.destroy();
        done({ status: res.statusCode ?? 0, ms });
      });
    });
    req.on('error', (err) => (answered ? undefined : fail(err)));
    req.flushHeaders();
    const chunk = 1024 * 1024;
    const write = (at: number): void => {
      if (answered || at >= body.length) return void (answered || req.end());
      if (req.write(body.subarray(at, at + chunk))) setImmediate(() => write(at + chunk));
      else req.once('drain', () => write(at + chunk));
    };
    // Long enough for a loaded machine's server to answer on the headers alone (50 ms raced it: EPIPE under load).
    setTimeout(() => write(0), 2_000);
  });
}

/** Resident memory of a process, in MB, from /proc. */
function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/**
 * Attack payloads against every XML entry point, on a bus running as its own process: each is refused with a 400 or
 * a Fault (413 for the oversized body) at once, nothing is delivered, and the bus's memory stays steady. "At once" is
 * checked against REFUSED_WITHIN_MS, seconds rather than milliseconds so that a loaded machine does not fail it: an
 * expanded billion laughs or a parsed 10,000-deep document would take far longer or never answer; the times are printed.
 */
const REFUSED_WITHIN_MS = 5_000;

describe('hardened XML on HTTP and SOAP ingress', () => {
  let target: TargetServer;
  let bus: RunningChild;
  let url: string;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'junction-attacks-'));
    const routesDir = join(dir, 'routes');
    mkdirSync(routesDir);
    copyWsdlFixtures(routesDir);
    writeFileSync(join(routesDir, 'attacks.yaml'), ROUTES);
    target = await startTargetServer();
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    bus = await startChildProcess(process.execPath, [MAIN], {
      env: {
        PORT: String(port),
        HOST: '127.0.0.1',
        ROUTES_DIR: routesDir,
        DATABASE_URL: `sqlite:${join(dir, 'j.db')}`,
        TARGET_URL: target.url,
        LOG_LEVEL: 'warn',
        // One process: the memory bound is read from this pid, which with WORKERS > 1 would be the primary's.
        WORKERS: '1',
      },
      readyUrl: `${url}/health`,
    });
  });
  afterAll(async () => {
    await bus?.kill('SIGTERM');
    await target?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const cases: Array<[string, () => string, number[]]> = [
    ['billion laughs', laughs, [400]],
    ['an external entity (XXE)', () => xxe, [400]],
    ['10,000-deep nesting', () => deep(10_000), [400]],
    ['100,000 attributes', () => attributes(100_000), [400]],
  ];

  test.each(cases)('HTTP: %s is refused with 400 at once', async (_what, payload, statuses) => {
    const body = Buffer.from(payload());
    await send(`${url}/xml`, Buffer.from('<warm/>'), 'application/xml');
    const res = await send(`${url}/xml`, body, 'application/xml');
    expect(statuses).toContain(res.status);
    process.stdout.write(`xml attack over HTTP, ${_what}: ${res.status} in ${res.ms.toFixed(0)} ms\n`);
    expect(res.ms).toBeLessThan(REFUSED_WITHIN_MS);
    expect(JSON.parse(res.text)).toMatchObject({ status: res.status, code: expect.stringMatching(/^XML_/) });
  });

  test.each(cases)('SOAP: %s is refused with a Fault at once', async (_what, payload) => {
    const text = payload();
    // A DOCTYPE can only lead the document; the other payloads go inside the Body.
    const doc = text.includes('<!DOCTYPE') ? text : soap12(text);
    const res = await send(`${url}/soap/orders`, Buffer.from(doc), 'application/soap+xml');
    expect(res.status).toBe(400);
    process.stdout.write(`xml attack over SOAP, ${_what}: ${res.status} in ${res.ms.toFixed(0)} ms\n`);
    expect(res.ms).toBeLessThan(REFUSED_WITHIN_MS);
    expect(res.text).toContain('env:Sender');
    expect(res.text).toMatch(/XML_/);
  });

  /** Bytes whose encoding signs disagree, or a DTD in another encoding: a passthrough route would forward them. */
  const encodings: Array<[string, () => Buffer, string]> = [
    ['ASCII bytes declaring UTF-16 around an XXE (the UTF-16 lie)', () => even(declared('UTF-16', xxe)), 'application/xml'],
    ['ASCII bytes declaring UTF-16 around billion laughs', () => even(declared('UTF-16', laughs())), 'application/xml'],
    ['a UTF-16LE byte order mark on ASCII', () => bom(0xff, 0xfe, even('<?xml version="1.0"?><order>1</order>')), 'application/xml'],
    ['an XXE in UTF-16LE with its byte order mark', () => bom(0xff, 0xfe, le(xxe)), 'application/xml'],
    ['an XXE in UTF-16BE with its byte order mark', () => bom(0xfe, 0xff, be(xxe)), 'application/xml'],
    ['an XXE in UTF-16LE without a mark, declared', () => le(declared('UTF-16LE', xxe)), 'application/xml'],
    ['an XXE in UTF-16BE without a mark, declared', () => be(declared('UTF-16BE', xxe)), 'application/xml'],
    ['an XXE in UTF-16LE without mark or declaration', () => le(xxe), 'application/xml'],
    ['an XXE in UTF-16BE without mark or declaration', () => be(xxe), 'application/xml'],
    ['an XXE in UTF-16 labelled only by its charset', () => le(xxe), 'application/xml; charset=utf-16'],
    ['ASCII labelled UTF-16 by its charset', () => even('<order>1</order>'), 'application/xml; charset=utf-16'],
  ];

  test.each(encodings)('HTTP passthrough: %s is refused with 400', async (_what, payload, contentType) => {
    const res = await send(`${url}/xml`, payload(), contentType);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toMatchObject({ status: 400, code: expect.stringMatching(/^XML_/) });
  });

  test('SOAP: the UTF-16 lie is refused with a Fault', async () => {
    const res = await send(`${url}/soap/orders`, even(declared('UTF-16', soap12('<o:GetOrder xmlns:o="urn:x"/>'))), 'application/soap+xml');
    expect(res.status).toBe(400);
    expect(res.text).toContain('env:Sender');
  });

  test('none of those reached the target: a document sent after them arrives alone', async () => {
    const before = target.requests.length;
    expect((await send(`${url}/xml`, Buffer.from('<warm/>'), 'application/xml')).status).toBe(202);
    await target.waitFor(before + 1, 10_000);
    // The outbox delivers what it accepted in a few polls: anything accepted before the marker would be here too.
    await new Promise((r) => setTimeout(r, 1000));
    expect(target.requests.map((r) => r.body)).toEqual(target.requests.map(() => '<warm/>'));
  });

  test('a 50 MB body is refused with 413 at once on both', async () => {
    const big = Buffer.alloc(50 * 1024 * 1024, 0x61);
    big.write('<a>', 0);
    big.write('</a>', big.length - 4);
    for (const path of ['/xml', '/soap/orders']) {
      const res = await sendLarge(`${url}${path}`, big, path === '/xml' ? 'application/xml' : 'application/soap+xml');
      expect(res.status).toBe(413);
      process.stdout.write(`50 MB body on ${path}: ${res.status} in ${res.ms.toFixed(0)} ms\n`);
      expect(res.ms).toBeLessThan(REFUSED_WITHIN_MS);
    }
  });

  test('after all of them: nothing was delivered and the memory of the bus is steady', async () => {
    const round = async () => {
      for (const [, payload] of cases) {
        await send(`${url}/xml`, Buffer.from(payload()), 'application/xml');
        const text = payload();
        await send(`${url}/soap/orders`, Buffer.from(text.includes('<!DOCTYPE') ? text : soap12(text)), 'application/soap+xml');
      }
    };
    const start = rssMb(bus.child.pid!);
    for (let i = 0; i < 5; i++) await round();
    const warm = rssMb(bus.child.pid!);
    for (let i = 0; i < 20; i++) await round();
    const after = rssMb(bus.child.pid!);
    process.stdout.write(
      `xml attacks: bus RSS at start=${start.toFixed(1)} MB, after 40 attacks=${warm.toFixed(1)} MB, after 160 more=${after.toFixed(1)} MB\n`,
    );
    // Steady: once warm, four times as many attacks add no more than a small fraction.
    expect(after - warm).toBeLessThan(32);
    // only the warm-up documents reached the target
    expect(target.requests.every((r) => r.body === '<warm/>')).toBe(true);
  });
});
