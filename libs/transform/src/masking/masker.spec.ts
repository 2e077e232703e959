import { createMasker, MASK } from './masker';

const json = (v: unknown) => Buffer.from(JSON.stringify(v));
const parsed = (b: Buffer) => JSON.parse(b.toString('utf8'));

describe('masker', () => {
  const masker = createMasker({ fields: ['cardNumber', 'customer.email'], headers: ['X-Partner-Key'] });

  it.each([
    [{ cardNumber: '4111' }, { cardNumber: MASK }],
    [{ payment: { cardNumber: 4111, amount: 5 } }, { payment: { cardNumber: MASK, amount: 5 } }],
    [{ lines: [{ cardNumber: 'a' }, { cardNumber: 'b' }] }, { lines: [{ cardNumber: MASK }, { cardNumber: MASK }] }],
    [{ customer: { email: 'a@b.c', name: 'Ann' } }, { customer: { email: MASK, name: 'Ann' } }],
    [{ customers: [{ customer: { email: 'x' } }] }, { customers: [{ customer: { email: 'x' } }] }],
    [{ other: { email: 'kept' } }, { other: { email: 'kept' } }],
    [{ cardNumber: { nested: true } }, { cardNumber: MASK }],
    [[{ customer: { email: 'e' } }], [{ customer: { email: MASK } }]],
  ])('masks JSON %j as %j', (input, expected) => {
    expect(parsed(masker.body(json(input), 'application/json; charset=utf-8'))).toEqual(expected);
  });

  it('masks XML leaf elements by local name, whatever the prefix, keeping attributes and structure', () => {
    const xml = '<o:Order xmlns:o="urn:o"><o:cardNumber type="visa">4111 1111</o:cardNumber><email>a@b.c</email><name>Ann</name></o:Order>';
    expect(masker.body(Buffer.from(xml), 'text/xml').toString()).toBe(
      '<o:Order xmlns:o="urn:o"><o:cardNumber type="visa">***</o:cardNumber><email>***</email><name>Ann</name></o:Order>',
    );
  });

  it('leaves bodies it cannot read, other content types and routes without fields as they are', () => {
    expect(masker.body(Buffer.from('{not json'), 'application/json').toString()).toBe('{not json');
    expect(masker.body(Buffer.from('cardNumber=4111'), 'text/plain').toString()).toBe('cardNumber=4111');
    const plain = createMasker();
    const body = json({ cardNumber: '4111' });
    expect(plain.body(body, 'application/json')).toBe(body);
    expect(plain.masksBodies).toBe(false);
  });

  it('always masks credential headers, and the route headers case-insensitively', () => {
    expect(masker.headers({ Authorization: 'Bearer x', 'x-partner-key': 'k', cookie: 'a=1', 'x-trace': 't' })).toEqual({
      Authorization: MASK,
      'x-partner-key': MASK,
      cookie: MASK,
      'x-trace': 't',
    });
    expect(createMasker().headers({ 'x-api-key': 'k', 'x-partner-key': 'k' })).toEqual({ 'x-api-key': MASK, 'x-partner-key': 'k' });
  });

  it('restores masked JSON values from the original in an edit, index by index, and keeps real edits', () => {
    const original = json({ lines: [{ cardNumber: 'a', qty: 1 }, { cardNumber: 'b', qty: 2 }], customer: { email: 'e@x' } });
    const shown = parsed(masker.body(original, 'application/json'));
    shown.lines[1].qty = 5;
    shown.lines[0].cardNumber = 'changed';
    const restored = parsed(masker.restore(json(shown), original, 'application/json'));
    expect(restored).toEqual({ lines: [{ cardNumber: 'changed', qty: 1 }, { cardNumber: 'b', qty: 5 }], customer: { email: 'e@x' } });
  });

  it('restores masked XML elements in document order', () => {
    const original = Buffer.from('<a><cardNumber>1</cardNumber><cardNumber>2</cardNumber><n>x</n></a>');
    const shown = masker.body(original, 'application/xml').toString().replace('<n>x</n>', '<n>y</n>');
    expect(masker.restore(Buffer.from(shown), original, 'application/xml').toString()).toBe(
      '<a><cardNumber>1</cardNumber><cardNumber>2</cardNumber><n>y</n></a>',
    );
  });
});
