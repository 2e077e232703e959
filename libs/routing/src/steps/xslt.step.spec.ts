import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlowRecorder, compileFixture, compileProblems, inputMessage, target } from '../testing/route-fixtures';

const XSL = 'xmlns:xsl="http://www.w3.org/1999/XSL/Transform"';

/** An order book mapped with the XSLT 1.0 constructs legacy maps lean on. */
const ORDERS_XSL = `<?xml version="1.0" encoding="UTF-8"?>
<xsl:stylesheet version="1.0" ${XSL} xmlns:o="urn:orders" exclude-result-prefixes="o">
  <xsl:include href="lib/common.xsl"/>
  <xsl:param name="channel" select="'none'"/>
  <xsl:key name="byCustomer" match="o:Order" use="@customer"/>
  <xsl:template match="/">
    <Summary channel="{$channel}">
      <xsl:for-each select="//o:Order[generate-id() = generate-id(key('byCustomer', @customer)[1])]">
        <xsl:sort select="@customer"/>
        <Customer id="{@customer}" orders="{count(key('byCustomer', @customer))}">
          <xsl:call-template name="money">
            <xsl:with-param name="amount" select="sum(key('byCustomer', @customer)/o:Total)"/>
          </xsl:call-template>
        </Customer>
      </xsl:for-each>
      <xsl:for-each select="//o:Order">
        <xsl:sort select="o:Total" data-type="number" order="descending"/>
        <Line n="{position()}"><xsl:number value="position()" format="01"/>:<xsl:value-of select="@id"/></Line>
      </xsl:for-each>
      <xsl:apply-templates select="//o:Order" mode="ref"/>
      <Note><xsl:value-of select="//o:Order[1]/o:Note"/></Note>
    </Summary>
  </xsl:template>
  <xsl:template match="o:Order" mode="ref"><Ref><xsl:number/>/<xsl:value-of select="@id"/></Ref></xsl:template>
  <xsl:template match="o:Order"><Wrong/></xsl:template>
</xsl:stylesheet>`;

const COMMON_XSL = `<xsl:stylesheet version="1.0" ${XSL}>
  <xsl:template name="money"><xsl:param name="amount"/><xsl:param name="currency" select="'EUR'"/><Total currency="{$currency}"><xsl:value-of select="format-number($amount, '0.00')"/></Total></xsl:template>
</xsl:stylesheet>`;

const ORDERS = `<o:Orders xmlns:o="urn:orders">
  <o:Order id="A1" customer="c2"><o:Total>10</o:Total><o:Note>fish &amp; chips &lt;hot&gt;</o:Note></o:Order>
  <o:Order id="A2" customer="c1"><o:Total>25.5</o:Total></o:Order>
  <o:Order id="A3" customer="c2"><o:Total>7</o:Total></o:Order>
</o:Orders>`;

describe('xslt step', () => {
  let dir: string;
  let outside: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'xslt-step-'));
    outside = mkdtempSync(join(tmpdir(), 'xslt-outside-'));
    mkdirSync(join(dir, 'lib'));
    writeFileSync(join(dir, 'orders.xsl'), ORDERS_XSL);
    writeFileSync(join(dir, 'lib', 'common.xsl'), COMMON_XSL);
    writeFileSync(join(dir, 'prices.xml'), '<Prices><Price sku="A">1.50</Price><Price sku="B">2.25</Price></Prices>');
    writeFileSync(join(outside, 'secret.xml'), '<Secret>s3cr3t</Secret>');
    writeFileSync(join(outside, 'evil.xsl'), COMMON_XSL);
    symlinkSync(join(outside, 'secret.xml'), join(dir, 'linked.xml'));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  function write(name: string, body: string): string {
    writeFileSync(join(dir, name), `<xsl:stylesheet version="1.0" ${XSL}>${body}</xsl:stylesheet>`);
    return name;
  }

  async function run(step: unknown, body: string, contentType?: string, extra: unknown[] = []) {
    const fixture = compileFixture({ steps: [...extra, { xslt: step }], to: [target('main')] }, dir);
    const flow = new FlowRecorder(fixture.route.codec);
    await fixture.route.run(inputMessage(body, fixture.route.codec, {}, contentType), flow);
    return flow.dispatches[0]!.message;
  }

  it('runs keys (Muenchian grouping), sort, number, modes, an included named template with params, and xsl:param from a route variable', async () => {
    const out = await run({ stylesheet: 'orders.xsl', params: { channel: '$vars.channel' } }, ORDERS, undefined, [{ setVars: { channel: "'web'" } }]);
    const xml = out.body.bytes().toString();
    console.log(`xslt: ${xml.length} characters of XML from ${ORDERS.length}`);
    expect(out.body.contentType).toBe('application/xml');
    expect(xml).toBe(
      '<Summary channel="web">' +
        '<Customer id="c1" orders="1"><Total currency="EUR">25.50</Total></Customer>' +
        '<Customer id="c2" orders="2"><Total currency="EUR">17.00</Total></Customer>' +
        '<Line n="1">01:A2</Line><Line n="2">02:A1</Line><Line n="3">03:A3</Line>' +
        '<Ref>1/A1</Ref><Ref>2/A2</Ref><Ref>3/A3</Ref>' +
        '<Note>fish &amp; chips &lt;hot&gt;</Note>' +
        '</Summary>',
    );
    expect(out.body.value()).toMatchObject({ Summary: { '@channel': 'web', Note: 'fish & chips <hot>' } });
    expect(out.hops.map((h) => `${h.step}:${h.note}`)).toContain('xslt:orders.xsl');
  });

  it('writes text with method="text", unescaped, and reads document() files inside the route folder', async () => {
    const name = write(
      'lines.xsl',
      `<xsl:output method="text"/><xsl:variable name="prices" select="document('prices.xml')/Prices"/>
       <xsl:template match="/"><xsl:for-each select="//Item"><xsl:value-of select="concat(@sku, ';', $prices/Price[@sku = current()/@sku], ';', .)"/><xsl:text>&#10;</xsl:text></xsl:for-each></xsl:template>`,
    );
    const out = await run(name, '<Items><Item sku="A">a &amp; b</Item><Item sku="B">&lt;c&gt;</Item></Items>');
    expect(out.body.contentType).toBe('text/plain; charset=utf-8');
    expect(out.body.bytes().toString()).toBe('A;1.50;a & b\nB;2.25;<c>\n');
  });

  it('refuses a body with a DTD before the processor sees it, and a body that is not XML', async () => {
    await expect(run('orders.xsl', '<!DOCTYPE o [<!ENTITY e "boom">]><o>&e;</o>')).rejects.toMatchObject({ code: 'XML_DOCTYPE_FORBIDDEN' });
    await expect(run('orders.xsl', '{"a":1}', 'application/json')).rejects.toMatchObject({ code: 'STEP_FAILED', message: expect.stringContaining('not XML') });
  });

  it('refuses at run time a document() URI computed to leave the route folder, or a symbolic link out of it', async () => {
    const name = write('dynamic.xsl', `<xsl:template match="/"><r><xsl:value-of select="document(string(/Ask/@file))/Prices/Price[1]"/></r></xsl:template>`);
    expect((await run(name, '<Ask file="prices.xml"/>')).body.bytes().toString()).toBe('<r>1.50</r>');
    await expect(run(name, `<Ask file="${join(outside, 'secret.xml')}"/>`)).rejects.toMatchObject({ code: 'STEP_FAILED', message: expect.stringContaining('route folder') });
    await expect(run(name, '<Ask file="linked.xml"/>')).rejects.toMatchObject({ message: expect.stringContaining('route folder') });
    await expect(run(name, '<Ask file="http://127.0.0.1:1/x.xml"/>')).rejects.toMatchObject({ message: expect.stringContaining('route folder') });
  });

  it.each([
    ['a DOCTYPE in the stylesheet', '<!DOCTYPE x [<!ENTITY e "x">]><xsl:stylesheet version="1.0" ' + XSL + '/>', /DOCTYPE/],
    ['an include over http', `<xsl:stylesheet version="1.0" ${XSL}><xsl:include href="http://example.com/x.xsl"/></xsl:stylesheet>`, /:1: xsl:include href="http:\/\/example.com\/x.xsl" is refused/],
    ['an import leaving the folder', `<xsl:stylesheet version="1.0" ${XSL}>\n<xsl:import href="../${'OUT'}/evil.xsl"/></xsl:stylesheet>`, /:2: xsl:import .* leaves the route folder/],
    ['a literal document() over https', `<xsl:stylesheet version="1.0" ${XSL}><xsl:template match="/"><xsl:copy-of select="document('https://example.com/a.xml')"/></xsl:template></xsl:stylesheet>`, /document\('https:\/\/example.com\/a.xml'\) is refused/],
    ['a literal document() outside', `<xsl:stylesheet version="1.0" ${XSL}><xsl:variable name="s" select="document('/etc/hostname')"/></xsl:stylesheet>`, /leaves the route folder/],
    ['not a stylesheet', '<html/>', /not xsl:stylesheet/],
    ['an XSLT 3.0 output method', `<xsl:stylesheet version="1.0" ${XSL}><xsl:output method="json"/></xsl:stylesheet>`, /method="json"/],
  ])('refuses at load %s, located at the step', (_what, text, message) => {
    writeFileSync(join(dir, 'bad.xsl'), text.replace('OUT', outside.split('/').pop()!));
    const result = compileProblems({ steps: [{ setVars: { a: '1' } }, { xslt: 'bad.xsl' }], to: [target('main')] }, dir);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual([{ path: ['steps', 1, 'xslt'], message: expect.stringMatching(message) }]);
  });

  it('refuses a stylesheet that is missing or outside the route folder, at load', () => {
    for (const file of ['missing.xsl', join(outside, 'evil.xsl'), '../x.xsl']) {
      const result = compileProblems({ steps: [{ xslt: { stylesheet: file } }], to: [target('main')] }, dir);
      expect(result.ok ? [] : result.problems).toEqual([{ path: ['steps', 0, 'xslt', 'stylesheet'], message: expect.stringMatching(/ENOENT|outside the route folder/) }]);
    }
  });

  it('shares one parsed stylesheet between concurrent messages', async () => {
    const fixture = compileFixture({ steps: [{ xslt: 'orders.xsl' }], to: [target('main')] }, dir);
    const bodies = Array.from({ length: 40 }, (_, i) => ORDERS.replace('A1', `X${i}`));
    const outs = await Promise.all(
      bodies.map(async (b) => {
        const flow = new FlowRecorder(fixture.route.codec);
        await fixture.route.run(inputMessage(b, fixture.route.codec), flow);
        return flow.dispatches[0]!.message.body.bytes().toString();
      }),
    );
    console.log(`xslt: ${outs.length} concurrent transforms with one stylesheet`);
    outs.forEach((o, i) => expect(o).toContain(`:X${i}</Line>`));
  });
});
