import { execFile } from 'node:child_process';
import { cpSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startTargetServer, type TargetServer } from '@junction/testing';
import { copyWsdlFixtures, envelope, placeOrder, postSoap } from './support/soap';
import { post, startTestBus, type TestBus } from './support/test-bus';

/**
 * SOAP conformance of the bus's SOAP services: the processing model for mandatory header blocks (MustUnderstand
 * Faults), actions that name no operation, a body over the limit; and an independent SOAP client (zeep, strict mode)
 * calling a service the bus publishes, getting typed responses and Faults over SOAP 1.1 and 1.2.
 */
const PYTHON = '/usr/bin/python3';
const ZEEP_CLIENT = join(__dirname, 'fixtures', 'zeep', 'shipping_client.py');
const SHIPPING = 'urn:example:shipping';
const SESSION = 'urn:example:session';
const BODY_LIMIT = 65_536;
/** Envelopes of this size and more are read on a worker thread: the checks must hold there too. */
const WORKER_THRESHOLD = 16_384;

const ROUTES = `
routes:
  - id: conf-orders
    from:
      soap: { path: /soap/conf, wsdl: wsdl/order-service.wsdl, understands: ["{${SESSION}}Session", "{urn:example:context}*"] }
    mode: sync
    to: [{ id: conf-place, http: { url: "\${TARGET_URL}/place", format: json } }]
    reply:
      - map: '{ "OrderId": orderId, "Status": "ACCEPTED", "Total": 1 }'

  - id: conf-secure
    from:
      soap:
        path: /soap/conf-secure
        wsdl: wsdl/order-service.wsdl
        security: { usernameToken: { users: { legacy: "s3cret-pw" } } }
    mode: sync
    to: [{ id: conf-secure-place, http: { url: "\${TARGET_URL}/place", format: json } }]
    reply:
      - map: '{ "OrderId": orderId, "Status": "ACCEPTED", "Total": 1 }'

  - id: conf-shipping
    from:
      soap: { path: /soap/shipping, wsdl: zeep/shipping.wsdl, understands: ["{${SESSION}}Session"] }
    mode: sync
    steps:
      - choice:
          when:
            - if: "$headers.'soap-operation' = 'Quote'"
              steps:
                - validate:
                    schema:
                      type: object
                      properties:
                        Quote:
                          type: object
                          properties: { Pieces: { type: string, pattern: "^[1-9][0-9]*$" } }
              to: [{ id: quote-api, http: { url: "\${TARGET_URL}/quote", format: json } }]
          otherwise:
            to: [{ id: tracking, http: { url: "\${TARGET_URL}/track" } }]
`;

const ENV11 = 'http://schemas.xmlsoap.org/soap/envelope/';
const ENV12 = 'http://www.w3.org/2003/05/soap-envelope';

/** A text header block of `ns` with SOAP attributes (`mu`, `role`) written in the version's Envelope namespace. */
function block(version: '1.1' | '1.2', name: string, attrs: { mu?: string; role?: string } = {}, ns = SESSION): string {
  const env = version === '1.1' ? ENV11 : ENV12;
  const roleAttr = version === '1.1' ? 'actor' : 'role';
  const soap = `${attrs.mu === undefined ? '' : ` e:mustUnderstand="${attrs.mu}"`}${attrs.role === undefined ? '' : ` e:${roleAttr}="${attrs.role}"`}`;
  return `<h:${name} xmlns:h="${ns}" xmlns:e="${env}"${soap}>v-${name}</h:${name}>`;
}

describe('SOAP conformance', () => {
  let target: TargetServer;
  let bus: TestBus;
  let faults = 0;
  let cases = 0;
  const delivered = (id: string) => target.requests.filter((r) => r.body.includes(id)).length;

  beforeAll(async () => {
    target = await startTargetServer({
      respond: (req) => {
        if (req.path === '/place') {
          const order = req.json as { PlaceOrder?: { Order?: { OrderId?: string } } } | undefined;
          return { body: { orderId: order?.PlaceOrder?.Order?.OrderId ?? 'unknown' } };
        }
        if (req.path === '/quote') {
          const quote = (req.json as { Quote: { Destination: string; Pieces: string } }).Quote;
          return {
            body: {
              QuoteId: `Q-${quote.Destination}`,
              Price: 149.95,
              Pieces: Number(quote.Pieces),
              ValidUntil: '2026-12-31T23:59:00Z',
              Option: ['express', 'insured'],
            },
          };
        }
        const id = /<(?:\w+:)?ShipmentId>([^<]*)</.exec(req.body)?.[1] ?? 'unknown';
        return {
          headers: { 'content-type': 'application/xml; charset=utf-8' },
          body:
            `<s:TrackResponse xmlns:s="${SHIPPING}"><s:Shipment id="${id}" carrier="Posten"><s:Pieces>2</s:Pieces>` +
            `<s:Weight>7.25</s:Weight><s:DispatchedAt>2026-12-01T08:30:00Z</s:DispatchedAt>` +
            `<s:Event code="10">picked up</s:Event><s:Event code="20">in transit</s:Event></s:Shipment></s:TrackResponse>`,
        };
      },
    });
    bus = await startTestBus({ routes: {}, env: { TARGET_URL: target.url, BODY_LIMIT_BYTES: String(BODY_LIMIT), XML_WORKER_THRESHOLD_BYTES: String(WORKER_THRESHOLD) } });
    copyWsdlFixtures(bus.routesDir);
    cpSync(join(__dirname, 'fixtures', 'zeep'), join(bus.routesDir, 'zeep'), { recursive: true, filter: (src) => !src.endsWith('.py') });
    bus.writeRoute('conformance.yaml', ROUTES);
    const reload = (await post(`${bus.url}/admin/routes/reload`, {})).json;
    expect(reload).toMatchObject({ ok: true, routes: 3 });
  });
  afterAll(async () => {
    console.log(`SOAP conformance: ${cases} cases, ${faults} faults`);
    await bus?.destroy();
    await target?.close();
  });

  describe('mandatory header blocks (mustUnderstand)', () => {
    const mu: Array<[string, '1.1' | '1.2', string, 'fault' | 'ok']> = [
      ['1.1 an unknown block, mustUnderstand="1"', '1.1', block('1.1', 'Tenant', { mu: '1' }), 'fault'],
      ['1.1 an unknown block for actor next', '1.1', block('1.1', 'Tenant', { mu: '1', role: 'http://schemas.xmlsoap.org/soap/actor/next' }), 'fault'],
      ['1.1 an unknown block for another actor', '1.1', block('1.1', 'Tenant', { mu: '1', role: 'urn:gateway' }), 'ok'],
      ['1.1 an unknown block, mustUnderstand="0"', '1.1', block('1.1', 'Tenant', { mu: '0' }), 'ok'],
      ['1.2 an unknown block, mustUnderstand="true"', '1.2', block('1.2', 'Tenant', { mu: 'true' }), 'fault'],
      ['1.2 an unknown block for role next', '1.2', block('1.2', 'Tenant', { mu: 'true', role: `${ENV12}/role/next` }), 'fault'],
      ['1.2 an unknown block for role ultimateReceiver', '1.2', block('1.2', 'Tenant', { mu: '1', role: `${ENV12}/role/ultimateReceiver` }), 'fault'],
      ['1.2 an unknown block for role none', '1.2', block('1.2', 'Tenant', { mu: 'true', role: `${ENV12}/role/none` }), 'ok'],
      ['1.2 an unknown block for another role', '1.2', block('1.2', 'Tenant', { mu: 'true', role: 'urn:auditor' }), 'ok'],
      ['1.1 a declared block, mandatory', '1.1', block('1.1', 'Session', { mu: '1' }), 'ok'],
      ['1.2 a block of a declared namespace, mandatory', '1.2', block('1.2', 'Locale', { mu: 'true' }, 'urn:example:context'), 'ok'],
      ['1.2 wsse:Security, mandatory, on a route without security', '1.2', `<w:Security xmlns:w="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd" xmlns:e="${ENV12}" e:mustUnderstand="true"/>`, 'fault'],
    ];
    test.each(mu)('%s', async (what, version, header, expected) => {
      const id = `MU-${String(cases++).padStart(2, '0')}`;
      const res = await postSoap(`${bus.url}/soap/conf`, version, envelope(version, placeOrder(id), header));
      if (expected === 'ok') {
        expect(res.status).toBe(200);
        expect(res.text).toContain(id);
        expect(delivered(id)).toBe(1);
        return;
      }
      faults++;
      expect(res.status).toBe(500);
      expect(res.contentType).toContain(version === '1.1' ? 'text/xml' : 'application/soap+xml');
      if (version === '1.1') expect(res.text).toContain('<faultcode>soap:MustUnderstand</faultcode>');
      else {
        expect(res.text).toContain('<env:Value>env:MustUnderstand</env:Value>');
        // one NotUnderstood header block naming the block by a QName whose prefix it declares
        const m = /<env:NotUnderstood xmlns:(\w+)="([^"]+)" qname="(\w+):(\w+)"\/>/.exec(res.text);
        expect(m).not.toBeNull();
        expect(m![1]).toBe(m![3]);
        expect(`{${m![2]}}${m![4]}`).toBe(what.includes('wsse') ? '{http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd}Security' : `{${SESSION}}Tenant`);
      }
      expect(res.text).toContain('SOAP_MUST_UNDERSTAND');
      expect(delivered(id)).toBe(0);
    });

    test('a declared block reaches the route as a message header', async () => {
      cases++;
      const res = await postSoap(`${bus.url}/soap/conf`, '1.1', envelope('1.1', placeOrder('MU-HDR'), block('1.1', 'Session', { mu: '1' })));
      expect(res.status).toBe(200);
      const seen = target.requests.find((r) => r.body.includes('MU-HDR'))!;
      expect(seen.headers['soap-header-session']).toBe('v-Session');
    });

    test('wsse:Security with mustUnderstand is understood where the route verifies it', async () => {
      cases++;
      const { usernameTokenHeader } = await import('@junction/connectors');
      const security = usernameTokenHeader({ username: 'legacy', password: 's3cret-pw', digest: true }).replace(
        '<wsse:Security ',
        `<wsse:Security xmlns:e="${ENV11}" e:mustUnderstand="1" `,
      );
      const res = await postSoap(`${bus.url}/soap/conf-secure`, '1.1', envelope('1.1', placeOrder('MU-SEC'), security));
      expect(res.status).toBe(200);
      expect(delivered('MU-SEC')).toBe(1);
    });
  });

  describe('the action', () => {
    const actions: Array<[string, '1.1' | '1.2', string | undefined, string, number, RegExp | undefined]> = [
      ['1.1 a SOAPAction naming no operation', '1.1', 'urn:orders:Refund', placeOrder('ACT-1'), 500, /<faultcode>soap:Client<\/faultcode>[\s\S]*SOAP_ACTION_NOT_SUPPORTED/],
      ['1.2 an action naming no operation', '1.2', 'urn:orders:Refund', placeOrder('ACT-2'), 400, /env:Sender<\/env:Value><env:Subcode><env:Value xmlns:wsa="http:\/\/www.w3.org\/2005\/08\/addressing">wsa:ActionNotSupported/],
      ['1.1 an action naming another operation than the Body', '1.1', 'http://example.com/orders/GetOrder', placeOrder('ACT-3'), 500, /soap:Client[\s\S]*SOAP_ACTION_MISMATCH/],
      ['1.2 an action naming another operation than the Body', '1.2', 'urn:orders:CancelOrder12', placeOrder('ACT-4'), 400, /env:Sender[\s\S]*SOAP_ACTION_MISMATCH/],
      ['1.1 the empty SOAPAction: the Body decides', '1.1', undefined, placeOrder('ACT-5'), 200, undefined],
      ['1.2 no action: the Body decides', '1.2', undefined, placeOrder('ACT-6'), 200, undefined],
      ["1.1 the 1.2 binding's action for the same operation", '1.1', 'urn:orders:PlaceOrder12', placeOrder('ACT-7'), 200, undefined],
    ];
    test.each(actions)('%s', async (_what, version, action, payload, status, fault) => {
      cases++;
      const id = /<o:OrderId>([^<]+)</.exec(payload)![1];
      const res = await postSoap(`${bus.url}/soap/conf`, version, envelope(version, payload), action);
      expect(res.status).toBe(status);
      if (fault) {
        faults++;
        expect(res.text).toMatch(fault);
        expect(res.text).toContain(action!);
        expect(delivered(id)).toBe(0);
      } else {
        expect(res.text).toContain(id);
        expect(delivered(id)).toBe(1);
      }
    });
  });

  describe('an Envelope in neither SOAP namespace', () => {
    test.each(['1.1', '1.2'] as const)('SOAP %s: a VersionMismatch Fault, HTTP 500', async (version) => {
      cases++;
      faults++;
      const body = `<e:Envelope xmlns:e="http://example.com/soap/2099"><e:Body>${placeOrder('VM-1')}</e:Body></e:Envelope>`;
      const res = await postSoap(`${bus.url}/soap/conf`, version, body);
      expect(res.status).toBe(500);
      if (version === '1.1') expect(res.text).toContain('<faultcode>soap:VersionMismatch</faultcode>');
      else {
        expect(res.text).toContain('<env:Value>env:VersionMismatch</env:Value>');
        expect(res.text).toMatch(/<env:Header><env:Upgrade><env:SupportedEnvelope xmlns:u1="http:\/\/www.w3.org\/2003\/05\/soap-envelope" qname="u1:Envelope"\/>/);
      }
      expect(res.text).toContain('SOAP_VERSION_UNKNOWN');
      expect(delivered('VM-1')).toBe(0);
    });
  });

  describe('a large envelope, read on a worker thread', () => {
    const padded = (id: string) => placeOrder(id).replace('</o:Currency>', `</o:Currency><!--${'p'.repeat(WORKER_THRESHOLD)}-->`);

    test('a mandatory header block the route does not understand: a MustUnderstand Fault', async () => {
      cases++;
      faults++;
      const res = await postSoap(`${bus.url}/soap/conf`, '1.2', envelope('1.2', padded('WK-1'), block('1.2', 'Tenant', { mu: 'true' })));
      expect(res.status).toBe(500);
      expect(res.text).toContain('<env:Value>env:MustUnderstand</env:Value>');
      expect(delivered('WK-1')).toBe(0);
    });

    test('an Envelope in neither SOAP namespace: a VersionMismatch Fault', async () => {
      cases++;
      faults++;
      const body = `<e:Envelope xmlns:e="http://example.com/soap/2099"><e:Body>${padded('WK-2')}</e:Body></e:Envelope>`;
      const res = await postSoap(`${bus.url}/soap/conf`, '1.1', body);
      expect(res.status).toBe(500);
      expect(res.text).toContain('<faultcode>soap:VersionMismatch</faultcode>');
    });

    test('a declared mandatory block: taken', async () => {
      cases++;
      const res = await postSoap(`${bus.url}/soap/conf`, '1.1', envelope('1.1', padded('WK-3'), block('1.1', 'Session', { mu: '1' })));
      expect(res.status).toBe(200);
      expect(delivered('WK-3')).toBe(1);
    });
  });

  describe('a body over the limit', () => {
    test.each(['1.1', '1.2'] as const)('SOAP %s: a Fault of the version the Content-Type names, HTTP 413', async (version) => {
      cases++;
      faults++;
      const note = 'x'.repeat(BODY_LIMIT);
      const big = placeOrder('BIG').replace('</o:Currency>', `</o:Currency><!--${note}-->`);
      const res = await postSoap(`${bus.url}/soap/conf`, version, envelope(version, big));
      expect(res.status).toBe(413);
      expect(res.contentType).toContain(version === '1.1' ? 'text/xml' : 'application/soap+xml');
      expect(res.text).toMatch(version === '1.1' ? /<faultcode>soap:Client<\/faultcode>/ : /<env:Value>env:Sender<\/env:Value>/);
      expect(res.text).toContain('BODY_TOO_LARGE');
      expect(res.text).toContain(version === '1.1' ? ENV11 : ENV12);
      expect(delivered('BIG')).toBe(0);
    });

    test('a body over the limit with no SOAP media type gets a SOAP 1.1 Fault on a SOAP path', async () => {
      cases++;
      faults++;
      const res = await fetch(`${bus.url}/soap/conf`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(BODY_LIMIT + 1) });
      expect(res.status).toBe(413);
      expect(res.headers.get('content-type')).toContain('text/xml');
      expect(await res.text()).toContain('<faultcode>soap:Client</faultcode>');
    });

    test('a body just under the limit is taken', async () => {
      cases++;
      const res = await postSoap(`${bus.url}/soap/conf`, '1.1', envelope('1.1', placeOrder('SMALL').replace('</o:Currency>', `</o:Currency><!--${'y'.repeat(BODY_LIMIT - 1_000)}-->`)));
      expect(res.status).toBe(200);
      expect(delivered('SMALL')).toBe(1);
    });
  });

  describe('an independent SOAP client (zeep, strict mode)', () => {
    type Typed = { type: string; value?: string | null; items?: Typed[]; fields?: Record<string, Typed> };
    type Call = { fault: false; result: Typed } | { fault: true; code: string; message: string; subcodes: string[]; detailCode: string | null };
    type Run = { zeep: string } & Record<'1.1' | '1.2', Record<'quote' | 'track' | 'invalid' | 'understood' | 'notUnderstood' | 'tooLarge', Call>>;
    let run: Run;

    beforeAll(async () => {
      if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: install python3 and python3-zeep (Debian) to run the SOAP interop tests`);
      const probe = await promisify(execFile)(PYTHON, ['-c', 'import zeep']).catch((err: Error) => err);
      if (probe instanceof Error) throw new Error(`zeep is not importable by ${PYTHON}: install python3-zeep (Debian); ${probe.message}`);
      const { stdout } = await promisify(execFile)(PYTHON, [ZEEP_CLIENT, `${bus.url}/soap/shipping?wsdl`], {
        timeout: 120_000,
        env: { ...process.env, NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost' },
      });
      run = JSON.parse(stdout) as Run;
      const calls = (['1.1', '1.2'] as const).flatMap((v) => Object.values(run[v]));
      console.log(`zeep ${run.zeep}: ${calls.length} calls, ${calls.filter((c) => c.fault).length} faults`);
    }, 150_000);

    const result = (c: Call): Typed => {
      if (c.fault) throw new Error(`expected a response, got the Fault ${c.code}: ${c.message}`);
      return c.result;
    };

    test.each(['1.1', '1.2'] as const)('SOAP %s: a JSON reply comes back as typed values (int, Decimal, datetime, a list)', (version) => {
      cases++;
      const quote = result(run[version].quote).fields!;
      expect(quote.QuoteId).toEqual({ type: 'str', value: 'Q-Oslo' });
      expect(quote.Price).toEqual({ type: 'Decimal', value: '149.95' });
      expect(quote.Pieces).toEqual({ type: 'int', value: '3' });
      expect(quote.ValidUntil.type).toBe('datetime');
      expect(quote.ValidUntil.value).toMatch(/^2026-12-31 23:59:00(\+00:00)?$/);
      expect(quote.Option).toEqual({ type: 'list', items: [{ type: 'str', value: 'express' }, { type: 'str', value: 'insured' }] });
    });

    test.each(['1.1', '1.2'] as const)('SOAP %s: an XML reply with attributes is read with them', (version) => {
      cases++;
      const shipment = result(run[version].track).fields!;
      expect(shipment.id).toEqual({ type: 'str', value: `SH-${version}` });
      expect(shipment.carrier).toEqual({ type: 'str', value: 'Posten' });
      expect(shipment.Pieces).toEqual({ type: 'int', value: '2' });
      expect(shipment.Weight).toEqual({ type: 'Decimal', value: '7.25' });
      expect(shipment.DispatchedAt.type).toBe('datetime');
      const events = shipment.Event.items!;
      expect(events).toHaveLength(2);
      expect(events[1].fields).toMatchObject({ _value_1: { value: 'in transit' }, code: { type: 'int', value: '20' } });
    });

    test('invalid input: a Client/Sender Fault with the bus code, raised as zeep.exceptions.Fault', () => {
      cases += 2;
      faults += 2;
      expect(run['1.1'].invalid).toMatchObject({ fault: true, code: 'soap:Client', detailCode: 'VALIDATION_FAILED' });
      expect(run['1.2'].invalid).toMatchObject({ fault: true, code: 'env:Sender', detailCode: 'VALIDATION_FAILED' });
      expect((run['1.2'].invalid as { subcodes: string[] }).subcodes).toEqual(['{urn:junction:fault}VALIDATION_FAILED']);
    });

    test('a mandatory header block: understood when the route declares it, else a MustUnderstand Fault', () => {
      cases += 4;
      faults += 2;
      expect(result(run['1.1'].understood).fields!.QuoteId.value).toBe('Q-Bergen');
      expect(result(run['1.2'].understood).fields!.QuoteId.value).toBe('Q-Bergen');
      expect(run['1.1'].notUnderstood).toMatchObject({ fault: true, code: 'soap:MustUnderstand', detailCode: 'SOAP_MUST_UNDERSTAND' });
      expect(run['1.2'].notUnderstood).toMatchObject({ fault: true, code: 'env:MustUnderstand', detailCode: 'SOAP_MUST_UNDERSTAND' });
      expect((run['1.2'].notUnderstood as { message: string }).message).toContain(`{${SESSION}}Tenant`);
    });

    test('a body over the limit: a Fault zeep raises, of the caller version', () => {
      cases += 2;
      faults += 2;
      expect(run['1.1'].tooLarge).toMatchObject({ fault: true, code: 'soap:Client', detailCode: 'BODY_TOO_LARGE' });
      expect(run['1.2'].tooLarge).toMatchObject({ fault: true, code: 'env:Sender', detailCode: 'BODY_TOO_LARGE' });
    });
  });
});
