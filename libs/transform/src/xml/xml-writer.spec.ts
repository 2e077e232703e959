import { InputError } from '@junction/core';
import { createXmlCodec, jsonToXml } from './xml-codec';

/** JSON -> XML for values the parser did not make: the building half of the convention. */

const codec = createXmlCodec();

describe('jsonToXml: building from arbitrary JSON', () => {
  it.each<[string, unknown, { root?: string; declaration?: boolean }, string]>([
    ['a single-key object names the root', { Order: { id: 7 } }, {}, '<Order><id>7</id></Order>'],
    ['numbers and booleans become text', { r: { n: 1.5, neg: -3, yes: true, no: false } }, {}, '<r><n>1.5</n><neg>-3</neg><yes>true</yes><no>false</no></r>'],
    ['null becomes an empty element', { r: { gone: null } }, {}, '<r><gone/></r>'],
    ['undefined members are skipped', { r: { a: undefined, b: 'x' } }, {}, '<r><b>x</b></r>'],
    ['an empty string is an empty element', { r: '' }, {}, '<r/>'],
    ['arrays become repeated elements', { r: { item: [1, 'two', null] } }, {}, '<r><item>1</item><item>two</item><item/></r>'],
    ['nested arrays flatten into the same name', { r: { i: [[1, 2], [3]] } }, {}, '<r><i>1</i><i>2</i><i>3</i></r>'],
    ['objects in arrays keep their shape', { r: { p: [{ '@id': 1 }, { '@id': 2, q: 'x' }] } }, {}, '<r><p id="1"/><p id="2"><q>x</q></p></r>'],
    ['several top-level keys use the root', { a: 1, b: 2 }, { root: 'Doc' }, '<Doc><a>1</a><b>2</b></Doc>'],
    ['a top-level attribute key uses the root', { '@v': '2', a: 1 }, { root: 'Doc' }, '<Doc v="2"><a>1</a></Doc>'],
    ['a single key holding a list uses the root', { item: [1, 2] }, { root: 'items' }, '<items><item>1</item><item>2</item></items>'],
    ['a scalar goes inside the root', 42, { root: 'Answer' }, '<Answer>42</Answer>'],
    ['null at the top is an empty root', null, { root: 'Nothing' }, '<Nothing/>'],
    ['an empty object at the top is an empty root', {}, { root: 'Empty' }, '<Empty/>'],
    ['the single key wins over the root name', { Order: 1 }, { root: 'Ignored' }, '<Order>1</Order>'],
    ['attributes come first wherever they sit', { r: { child: 'c', '@id': 'x' } }, {}, '<r id="x"><child>c</child></r>'],
    ['#text beside children keeps key order', { r: { '#text': 'hi ', b: 'x' } }, {}, '<r>hi <b>x</b></r>'],
    ['a Date is written as ISO-8601', { at: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)) }, {}, '<at>2024-01-02T03:04:05.000Z</at>'],
  ])('%s', (_case, value, options, xml) => {
    expect(jsonToXml(value, options)).toBe(xml);
  });

  it.each<[string, unknown, string]>([
    ['text', { r: `a & b < c > d "q" 'a'` }, `<r>a &amp; b &lt; c &gt; d "q" 'a'</r>`],
    ['a carriage return in text', { r: 'a\r\nb' }, '<r>a&#13;\nb</r>'],
    ['attributes', { r: { '@a': `x & "y" <z> 'w'` } }, `<r a="x &amp; &quot;y&quot; &lt;z> 'w'"/>`],
    ['whitespace in attributes', { r: { '@a': 'tab\tnl\ncr\r' } }, '<r a="tab&#9;nl&#10;cr&#13;"/>'],
    [']]> inside CDATA', { r: { '#cdata': 'a]]>b' } }, '<r><![CDATA[a]]]]><![CDATA[>b]]></r>'],
    ['unicode passes as it is', { r: { '@名': '😀', '#text': 'é中' } }, '<r 名="😀">é中</r>'],
  ])('escapes %s', (_case, value, xml) => {
    expect(jsonToXml(value)).toBe(xml);
  });

  it('survives the parser: escaped values come back exactly', () => {
    const value = { r: { '@a': 'tab\tnl\ncr\r"&<', t: 'a\r\nb & <c>', c: { '#cdata': 'x]]>y' } } };
    const back = codec.parse(codec.build(value)) as { r: Record<string, unknown> };
    expect(back.r['@a']).toBe('tab\tnl\ncr\r"&<');
    expect(back.r.t).toBe('a\r\nb & <c>');
    expect(back.r.c).toEqual({ '#mixed': [{ '#cdata': 'x]]' }, { '#cdata': '>y' }] });
  });

  describe('the declaration', () => {
    it('is written when the value carries one, always as UTF-8', () => {
      const value = { '?xml': { '@version': '1.0', '@encoding': 'ISO-8859-1', '@standalone': 'yes' }, r: 'x' };
      expect(jsonToXml(value)).toBe('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<r>x</r>');
    });

    it('keeps an absent encoding absent', () => {
      expect(jsonToXml({ '?xml': { '@version': '1.0' }, r: 'x' })).toBe('<?xml version="1.0"?>\n<r>x</r>');
    });

    it('is written on request and left out on request', () => {
      expect(jsonToXml({ r: 'x' }, { declaration: true })).toBe('<?xml version="1.0" encoding="UTF-8"?>\n<r>x</r>');
      expect(jsonToXml({ '?xml': { '@version': '1.0' }, r: 'x' }, { declaration: false })).toBe('<r>x</r>');
    });

    it('does not count as a root candidate', () => {
      expect(jsonToXml({ '?xml': { '@version': '1.0' }, a: 1, b: 2 }, { root: 'R' })).toBe(
        '<?xml version="1.0"?>\n<R><a>1</a><b>2</b></R>',
      );
    });
  });

  describe('refuses what XML cannot carry', () => {
    function refusal(value: unknown, options?: { root?: string }): InputError {
      try {
        jsonToXml(value, options);
      } catch (err) {
        if (err instanceof InputError) return err;
        throw err;
      }
      throw new Error('expected a refusal');
    }

    it.each<[string, unknown, { root?: string } | undefined, string, RegExp]>([
      ['no root for several keys', { a: 1, b: 2 }, undefined, 'XML_ROOT_REQUIRED', /no root element name/],
      ['no root for a scalar', 'text', undefined, 'XML_ROOT_REQUIRED', /no root element name/],
      ['a top-level list', [1, 2], { root: 'r' }, 'XML_UNREPRESENTABLE', /several root elements/],
      ['a key that is not an XML name', { r: { 'first name': 'x' } }, undefined, 'XML_UNREPRESENTABLE', /'first name' is not a valid XML name at r\/first name/],
      ['a key starting with a digit', { r: { a: { '1st': 'x' } } }, undefined, 'XML_UNREPRESENTABLE', /'1st' is not a valid XML name at r\/a\/1st/],
      ['an attribute name that is not a name', { r: { '@a b': 'x' } }, undefined, 'XML_UNREPRESENTABLE', /'a b' is not a valid XML name/],
      ['an object as an attribute value', { r: { '@a': { x: 1 } } }, undefined, 'XML_UNREPRESENTABLE', /an object cannot be written as text or an attribute value/],
      ['a NUL character', { r: 'a\u0000b' }, undefined, 'XML_UNREPRESENTABLE', /U\+0000 cannot appear in XML 1\.0 at r/],
      ['a control character in an attribute', { r: { '@a': '\u0007' } }, undefined, 'XML_UNREPRESENTABLE', /U\+0007/],
      ['a lone surrogate', { r: 'x\uD800y' }, undefined, 'XML_UNREPRESENTABLE', /U\+D800/],
      ['a control character in CDATA', { r: { '#cdata': '\u0001' } }, undefined, 'XML_UNREPRESENTABLE', /U\+0001/],
      ['a function', { r: () => 1 }, undefined, 'XML_UNREPRESENTABLE', /a function cannot be written/],
      ['#mixed that is not a list', { r: { '#mixed': 'x' } }, undefined, 'XML_UNREPRESENTABLE', /#mixed must be a list/],
      ['attributes inside #mixed', { r: { '#mixed': [{ '@a': 1 }] } }, undefined, 'XML_UNREPRESENTABLE', /'@a' cannot appear/],
    ])('%s', (_case, value, options, code, message) => {
      const error = refusal(value, options);
      expect(error.code).toBe(code);
      expect(error.status).toBe(422);
      expect(error.message).toMatch(message);
    });

    it('stops a cyclic value at the depth limit', () => {
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      const error = refusal({ r: cyclic });
      expect(error.code).toBe('XML_LIMIT');
      expect(error.message).toMatch(/maxDepth \(100\)/);
    });

    it('applies the codec depth limit to writing', () => {
      const shallow = createXmlCodec({ limits: { maxDepth: 2 } });
      expect(shallow.build({ a: { b: 'x' } })).toBe('<a><b>x</b></a>');
      expect(() => shallow.build({ a: { b: { c: 'x' } } })).toThrow(expect.objectContaining({ code: 'XML_LIMIT' }));
    });
  });

  it('writes #mixed entries in order, including text and CDATA', () => {
    const value = { p: { '#mixed': ['Hi ', { b: 'you' }, { '#cdata': '<3' }, 7, null, { i: ['x', 'y'] }] } };
    expect(jsonToXml(value)).toBe('<p>Hi <b>you</b><![CDATA[<3]]>7<i>x</i><i>y</i></p>');
  });
});
