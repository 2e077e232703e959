import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { type Server as HttpServer, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ConfigError } from '@junction/core';
import { createXmlCodec } from '@junction/transform';
import { loadWsdl } from './wsdl-catalog';
import { PUBLISHED_CONTENT_TYPE, type PublishedWsdl, publishWsdl, publishedDocument } from './wsdl-publisher';

const FIXTURES = path.resolve(__dirname, '../../../../test/fixtures/wsdl');
const fixture = (name: string) => readFileSync(path.join(FIXTURES, name), 'utf8');
const ENDPOINT = 'https://bus.example.com/soap/orders';
const TYPES = 'http://example.com/orders/types';
const codec = createXmlCodec();

async function failure(run: () => Promise<unknown>): Promise<Error> {
  try {
    await run();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure');
}

function inTempDir(files: Record<string, string | Buffer>, run: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'junction-publish-'));
    try {
      for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
      await run(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

describe('publishWsdl', () => {
  it('rewrites the addresses and the schema import in the raw text, and publishes the schemas it pulls in', async () => {
    const published = await publishWsdl(path.join(FIXTURES, 'order-service.wsdl'), 'https://bus.example.com/', '/soap/orders');
    // Only the three locations change: comments, documentation and layout are the file's own.
    expect(published.wsdl).toBe(
      fixture('order-service.wsdl')
        .replace('http://legacy.example.com:8080/services/orders12', ENDPOINT)
        .replace('http://legacy.example.com:8080/services/orders', ENDPOINT)
        .replace('schemaLocation="orders.xsd"', `schemaLocation="${ENDPOINT}?xsd=1"`),
    );
    expect([...published.documents.keys()]).toEqual([1, 2]);
    expect(published.documents.get(1)).toEqual({
      kind: 'xsd',
      text: fixture('orders.xsd').replace('schemaLocation="common-types.xsd"', `schemaLocation="${ENDPOINT}?xsd=2"`),
    });
    expect(published.documents.get(2)).toEqual({ kind: 'xsd', text: fixture('common-types.xsd') });
  });

  it('numbers an imported WSDL as ?wsdl=<n> and leaves non-SOAP addresses alone', async () => {
    const published = await publishWsdl(path.join(FIXTURES, 'order-service-split.wsdl'), 'http://bus:8080', '/queries');
    const endpoint = 'http://bus:8080/queries';
    expect(published.wsdl).toContain(`<wsdl:import namespace="http://example.com/orders/abstract" location="${endpoint}?wsdl=1"/>`);
    expect(published.wsdl).toContain(`<soap:address location="${endpoint}"/>`);
    expect(published.wsdl).toContain('<http:address location="http://old-host/queries-http"/>');
    expect(published.documents.get(1)).toMatchObject({ kind: 'wsdl' });
    expect(published.documents.get(1)!.text).toContain(`schemaLocation="${endpoint}?xsd=2"`);
    expect(published.documents.get(2)!.text).toContain(`schemaLocation="${endpoint}?xsd=3"`);
    expect(published.documents.get(3)).toEqual({ kind: 'xsd', text: fixture('common-types.xsd') });
  });

  it('serves each document under its own query only', async () => {
    const published = await publishWsdl(path.join(FIXTURES, 'order-service-split.wsdl'), 'http://bus:8080', '/queries');
    expect(publishedDocument(published, '?wsdl')).toBe(published.wsdl);
    expect(publishedDocument(published, 'WSDL')).toBe(published.wsdl);
    expect(publishedDocument(published, 'wsdl=1')).toBe(published.documents.get(1)!.text);
    expect(publishedDocument(published, '?xsd=2')).toBe(published.documents.get(2)!.text);
    for (const query of ['xsd=1', 'wsdl=2', 'xsd=9', 'xsd=../orders.xsd', 'xsd=01', 'xsd', '', 'other=1']) {
      expect(publishedDocument(published, query)).toBeUndefined();
    }
  });

  it('gives documents that parse, and a WSDL whose published address the catalog reads back', async () => {
    const published = await publishWsdl(path.join(FIXTURES, 'order-service.wsdl'), 'https://bus.example.com', '/soap/orders');
    for (const text of [published.wsdl, ...[...published.documents.values()].map((d) => d.text)]) expect(() => codec.parse(text)).not.toThrow();
    const dir = mkdtempSync(path.join(tmpdir(), 'junction-published-'));
    try {
      // The published main document, loaded on its own with its imports beside it as the files they replace.
      writeFileSync(path.join(dir, 'main.wsdl'), published.wsdl.replace(`${ENDPOINT}?xsd=1`, 'orders.xsd'));
      writeFileSync(path.join(dir, 'orders.xsd'), fixture('orders.xsd'));
      writeFileSync(path.join(dir, 'common-types.xsd'), fixture('common-types.xsd'));
      const catalog = await loadWsdl(path.join(dir, 'main.wsdl'));
      expect(catalog.services[0].ports.map((p) => p.address)).toEqual([ENDPOINT, ENDPOINT]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('serves a WSDL that the soap package loads over HTTP, imports and all', async () => {
    let published: PublishedWsdl | undefined;
    const server: HttpServer = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const text = url.pathname === '/soap/orders' && published ? publishedDocument(published, url.search) : undefined;
      res.statusCode = text === undefined ? 404 : 200;
      res.setHeader('content-type', PUBLISHED_CONTENT_TYPE);
      res.end(text);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      published = await publishWsdl(path.join(FIXTURES, 'order-service.wsdl'), base, '/soap/orders');
      const catalog = await loadWsdl(`${base}/soap/orders?wsdl`);
      expect(catalog.services[0].ports.map((p) => p.address)).toEqual([`${base}/soap/orders`, `${base}/soap/orders`]);
      expect(catalog.operations).toHaveLength(6);
      // The schemas came through ?xsd=1 and ?xsd=2.
      expect(Object.keys(catalog.wsdl.definitions.schemas[TYPES].types)).toEqual(expect.arrayContaining(['Sku', 'OrderStatus']));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('escapes the endpoint for the attribute it goes into', async () => {
    const published = await publishWsdl(path.join(FIXTURES, 'legacy-stock-rpc.wsdl'), 'https://bus.example.com/a&b', '/stock');
    expect(published.wsdl).toContain('<soap:address location="https://bus.example.com/a&amp;b/stock"/>');
  });

  it(
    'publishes a document imported twice once, and follows include cycles',
    inTempDir(
      {
        'main.wsdl': `<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:m">
  <wsdl:types>
    <xs:schema targetNamespace="urn:a"><xs:import namespace="urn:x" schemaLocation="x.xsd"/></xs:schema>
    <xs:schema targetNamespace="urn:b"><xs:import namespace="urn:x" schemaLocation="./x.xsd#ignored"/></xs:schema>
  </wsdl:types>
</wsdl:definitions>`,
        'x.xsd': `<?xml version="1.0"?><?note a > b <xs:include schemaLocation="no.xsd"/>?><!-- <xs:include schemaLocation="no.xsd"/> -->
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:x"><xs:annotation><xs:documentation><![CDATA[<xs:include schemaLocation="no.xsd"/>]]></xs:documentation></xs:annotation><xs:include schemaLocation='y.xsd'/></xs:schema>`,
        'y.xsd': `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:x"><xs:include schemaLocation="x.xsd"/></xs:schema>`,
      },
      async (dir) => {
        const published = await publishWsdl(path.join(dir, 'main.wsdl'), 'http://bus', '/m');
        expect(published.wsdl.match(/schemaLocation="http:\/\/bus\/m\?xsd=1"/g)).toHaveLength(2);
        expect([...published.documents.keys()]).toEqual([1, 2]);
        expect(published.documents.get(1)!.text).toContain(`<xs:include schemaLocation='http://bus/m?xsd=2'/>`);
        expect(published.documents.get(2)!.text).toContain('<xs:include schemaLocation="http://bus/m?xsd=1"/>');
      },
    ),
  );

  it(
    'decodes a document in another encoding and publishes it as UTF-8',
    inTempDir(
      {
        'latin.wsdl': Buffer.from(
          `<?xml version="1.0" encoding="ISO-8859-1"?>\n<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" targetNamespace="urn:l"><documentation>Données réservées</documentation></definitions>`,
          'latin1',
        ),
      },
      async (dir) => {
        const published = await publishWsdl(path.join(dir, 'latin.wsdl'), 'http://bus', '/l');
        expect(published.wsdl.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
        expect(published.wsdl).toContain('Données réservées');
      },
    ),
  );

  it('refuses an import outside the WSDL folder', async () => {
    const err = await failure(() => publishWsdl(path.join(FIXTURES, 'traversal/escaping.wsdl'), 'http://bus', '/x'));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(/escaping\.wsdl: the location '.*orders\.xsd' lies outside the WSDL's folder/);
  });

  it(
    'refuses absolute paths, file: URLs and links that lead outside the folder',
    inTempDir({}, async (dir) => {
      symlinkSync(FIXTURES, path.join(dir, 'elsewhere'));
      const wsdl = (location: string) =>
        `<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:xs="http://www.w3.org/2001/XMLSchema"><types><xs:schema><xs:include schemaLocation="${location}"/></xs:schema></types></definitions>`;
      const cases = [path.join(FIXTURES, 'orders.xsd'), `file://${path.join(FIXTURES, 'orders.xsd')}`, 'elsewhere/orders.xsd', '%2e%2e/etc/passwd'];
      for (const [i, location] of cases.entries()) {
        writeFileSync(path.join(dir, `case${i}.wsdl`), wsdl(location));
        const err = await failure(() => publishWsdl(path.join(dir, `case${i}.wsdl`), 'http://bus', '/x'));
        expect(err).toBeInstanceOf(ConfigError);
        expect(err.message).toContain('lies outside');
      }
    }),
  );

  it(
    'refuses a missing import, a document of another kind and a DOCTYPE',
    inTempDir(
      {
        'missing.wsdl': `<definitions xmlns="http://schemas.xmlsoap.org/wsdl/"><import location="gone.wsdl"/></definitions>`,
        'html.wsdl': `<html><body>not a WSDL</body></html>`,
        'doctype.wsdl': `<!DOCTYPE definitions><definitions xmlns="http://schemas.xmlsoap.org/wsdl/"/>`,
      },
      async (dir) => {
        for (const [file, why] of [
          ['missing.wsdl', /cannot read .*gone\.wsdl/],
          ['html.wsdl', /not a WSDL 1\.1 document/],
          ['doctype.wsdl', /DOCTYPE is not allowed/],
        ] as const) {
          const err = await failure(() => publishWsdl(path.join(dir, file), 'http://bus', '/x'));
          expect(err).toBeInstanceOf(ConfigError);
          expect(err.message).toMatch(why);
        }
      },
    ),
  );

  it.each([
    ['ftp://bus', '/x'],
    ['not a url', '/x'],
    ['http://bus', 'x'],
    ['http://bus', '/x?y=1'],
  ])('refuses the public URL %s with path %s', async (base, where) => {
    expect(await failure(() => publishWsdl(path.join(FIXTURES, 'legacy-stock-rpc.wsdl'), base, where))).toBeInstanceOf(ConfigError);
  });
});
