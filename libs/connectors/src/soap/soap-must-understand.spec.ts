import { ConfigError } from '@junction/core';
import { createXmlCodec } from '@junction/transform';
import { SOAP11_ENVELOPE_NS, SOAP12_ENVELOPE_NS, parseEnvelope, type SoapVersion } from './soap-envelope';
import { faultFor, parseFault } from './soap-fault';
import { MustUnderstandError, UnderstoodBlocks, checkMustUnderstand, targetsBus } from './soap-must-understand';
import { TRACE_NS } from './trace-header';
import { WSSE_NS } from './ws-security';

const codec = createXmlCodec();
const NEXT11 = 'http://schemas.xmlsoap.org/soap/actor/next';
const ROLE12 = 'http://www.w3.org/2003/05/soap-envelope/role/';

/** The header blocks of an envelope of `version` holding `headers`. */
function blocks(version: SoapVersion, headers: string) {
  const ns = version === '1.1' ? SOAP11_ENVELOPE_NS : SOAP12_ENVELOPE_NS;
  return parseEnvelope(`<s:Envelope xmlns:s="${ns}"><s:Header>${headers}</s:Header><s:Body/></s:Envelope>`, codec).headers;
}

/** What checkMustUnderstand refuses, as `{ns}name` strings; empty when it accepts. */
function refused(version: SoapVersion, headers: string, understood = new UnderstoodBlocks()): string[] {
  try {
    checkMustUnderstand(blocks(version, headers), version, understood);
    return [];
  } catch (err) {
    if (!(err instanceof MustUnderstandError)) throw err;
    return err.notUnderstood.map((n) => `{${n.ns}}${n.localName}`);
  }
}

describe('targetsBus (the bus as ultimate receiver)', () => {
  const cases: Array<[SoapVersion, string | undefined, boolean]> = [
    ['1.1', undefined, true],
    ['1.1', '', true],
    ['1.1', NEXT11, true],
    ['1.1', 'urn:some-other-actor', false],
    ['1.1', `${ROLE12}next`, false],
    ['1.2', undefined, true],
    ['1.2', `${ROLE12}next`, true],
    ['1.2', `${ROLE12}ultimateReceiver`, true],
    ['1.2', `${ROLE12}none`, false],
    ['1.2', 'urn:some-other-role', false],
    ['1.2', NEXT11, false],
  ];
  test.each(cases)('SOAP %s, role %s -> %s', (version, role, expected) => {
    expect(targetsBus(role === undefined ? {} : { role }, version)).toBe(expected);
  });
});

describe('checkMustUnderstand', () => {
  const cases: Array<[string, SoapVersion, string, string[]]> = [
    ['1.1 mustUnderstand="1", no actor', '1.1', `<h:Session xmlns:h="urn:x" s:mustUnderstand="1">a</h:Session>`, ['{urn:x}Session']],
    ['1.1 mustUnderstand="0"', '1.1', `<h:Session xmlns:h="urn:x" s:mustUnderstand="0">a</h:Session>`, []],
    ['1.1 no mustUnderstand', '1.1', `<h:Session xmlns:h="urn:x">a</h:Session>`, []],
    ['1.1 actor next', '1.1', `<h:Session xmlns:h="urn:x" s:actor="${NEXT11}" s:mustUnderstand="1"/>`, ['{urn:x}Session']],
    ['1.1 another actor', '1.1', `<h:Session xmlns:h="urn:x" s:actor="urn:gateway" s:mustUnderstand="1"/>`, []],
    ['1.2 mustUnderstand="true"', '1.2', `<h:Session xmlns:h="urn:x" s:mustUnderstand="true"/>`, ['{urn:x}Session']],
    ['1.2 mustUnderstand="1"', '1.2', `<h:Session xmlns:h="urn:x" s:mustUnderstand="1"/>`, ['{urn:x}Session']],
    ['1.2 mustUnderstand="false"', '1.2', `<h:Session xmlns:h="urn:x" s:mustUnderstand="false"/>`, []],
    ['1.2 role ultimateReceiver', '1.2', `<h:Session xmlns:h="urn:x" s:role="${ROLE12}ultimateReceiver" s:mustUnderstand="true"/>`, ['{urn:x}Session']],
    ['1.2 role next', '1.2', `<h:Session xmlns:h="urn:x" s:role="${ROLE12}next" s:mustUnderstand="true"/>`, ['{urn:x}Session']],
    ['1.2 role none', '1.2', `<h:Session xmlns:h="urn:x" s:role="${ROLE12}none" s:mustUnderstand="true"/>`, []],
    ['1.2 another role', '1.2', `<h:Session xmlns:h="urn:x" s:role="urn:auditor" s:mustUnderstand="true"/>`, []],
    ['an unprefixed mustUnderstand is no SOAP attribute', '1.2', `<h:Session xmlns:h="urn:x" mustUnderstand="true"/>`, []],
    [
      'two blocks, one named once',
      '1.1',
      `<h:A xmlns:h="urn:x" s:mustUnderstand="1"/><h:A xmlns:h="urn:x" s:mustUnderstand="1"/><h:B xmlns:h="urn:y" s:mustUnderstand="1"/>`,
      ['{urn:x}A', '{urn:y}B'],
    ],
    ['wsse:Security without security configured', '1.1', `<w:Security xmlns:w="${WSSE_NS}" s:mustUnderstand="1"/>`, [`{${WSSE_NS}}Security`]],
    ["the bus's own trace blocks", '1.2', `<t:traceparent xmlns:t="${TRACE_NS}" s:mustUnderstand="true">00-x</t:traceparent>`, []],
  ];
  test.each(cases)('%s', (_what, version, headers, expected) => {
    // the Envelope declares `s` (its namespace is the version's)
    expect(refused(version, headers)).toEqual(expected);
  });

  test('declared blocks, whole namespaces and WS-Security (when configured) are understood', () => {
    const understood = new UnderstoodBlocks(['{urn:x}Session', '{urn:ctx}*'], true);
    const headers =
      `<h:Session xmlns:h="urn:x" s:mustUnderstand="1"/><c:Tenant xmlns:c="urn:ctx" s:mustUnderstand="1"/>` +
      `<w:Security xmlns:w="${WSSE_NS}" s:mustUnderstand="1"/><h:Other xmlns:h="urn:x" s:mustUnderstand="1"/>`;
    expect(refused('1.1', headers, understood)).toEqual(['{urn:x}Other']);
    expect(refused('1.1', headers)).toEqual(['{urn:x}Session', '{urn:ctx}Tenant', `{${WSSE_NS}}Security`, '{urn:x}Other']);
    expect(refused('1.2', headers.replace(/"1"/g, '"true"'), new UnderstoodBlocks(['{urn:x}Session', '{urn:x}Other'], false))).toEqual([
      '{urn:ctx}Tenant',
      `{${WSSE_NS}}Security`,
    ]);
  });

  test('an entry that is not in Clark notation is a ConfigError', () => {
    expect(() => new UnderstoodBlocks(['urn:x:Session'])).toThrow(ConfigError);
    expect(() => new UnderstoodBlocks(['{urn:x}'])).toThrow(ConfigError);
  });
});

describe('the MustUnderstand Fault', () => {
  const err = new MustUnderstandError([
    { ns: 'urn:x', localName: 'Session' },
    { ns: '', localName: 'Bare' },
  ]);

  test('SOAP 1.1: faultcode soap:MustUnderstand, HTTP 500', () => {
    const f = faultFor(err, '1.1');
    expect(f.status).toBe(500);
    expect(f.body).toContain('<faultcode>soap:MustUnderstand</faultcode>');
    expect(parseFault(f.body, codec)).toMatchObject({ side: 'client', code: 'soap:MustUnderstand' });
    expect(parseFault(f.body, codec)!.reason).toContain('{urn:x}Session');
  });

  test('SOAP 1.2: env:MustUnderstand with one env:NotUnderstood header block per block, HTTP 500', () => {
    const f = faultFor(err, '1.2');
    expect(f.status).toBe(500);
    expect(parseFault(f.body, codec)).toMatchObject({ side: 'client', code: 'env:MustUnderstand', subcode: 'j:SOAP_MUST_UNDERSTAND' });
    const env = parseEnvelope(f.body, codec);
    const notUnderstood = env.headers.filter((h) => h.ns === SOAP12_ENVELOPE_NS && h.localName === 'NotUnderstood');
    expect(notUnderstood).toHaveLength(2);
    // qname is a QName whose prefix is declared on the block itself
    const first = notUnderstood[0].value as Record<string, string>;
    const [prefix, local] = first['@qname'].split(':');
    expect(first[`@xmlns:${prefix}`]).toBe('urn:x');
    expect(local).toBe('Session');
    expect((notUnderstood[1].value as Record<string, string>)['@qname']).toBe('Bare');
    console.log(`MustUnderstand faults written: 2 versions, ${notUnderstood.length} NotUnderstood blocks`);
  });
});
