import { startSandbox, type Sandbox } from './sandbox.server';

describe('legacy order system (XML over HTTP)', () => {
  let sandbox: Sandbox;
  const post = (body: string, contentType?: string) =>
    fetch(`${sandbox.url}/legacy/orders`, { method: 'POST', headers: contentType ? { 'content-type': contentType } : {}, body });

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0 });
  });
  afterAll(() => sandbox.close());

  it('answers any well-formed XML with 200 <Ack>OK</Ack> as text/xml', async () => {
    const res = await post('<OrderBatch><Order><OrderNo>L-1</OrderNo></Order></OrderBatch>', 'application/xml');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/xml');
    expect(await res.text()).toBe('<?xml version="1.0" encoding="UTF-8"?>\n<Ack>OK</Ack>');
  });

  it('ignores the content type, as the real one does', async () => {
    expect((await post('<WebOrder><orderId>W-1</orderId></WebOrder>', 'text/plain')).status).toBe(200);
  });

  it('answers malformed XML with 400 <Ack>ERROR</Ack>', async () => {
    const res = await post('<Order><OrderNo>L-1</Order>', 'application/xml');
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('<Ack>ERROR</Ack>');
  });

  it('answers another path with 404 and another method with 405', async () => {
    expect((await fetch(`${sandbox.url}/legacy/invoices`, { method: 'POST', body: '<a/>' })).status).toBe(404);
    const res = await fetch(`${sandbox.url}/legacy/orders`);
    expect(res.status).toBe(405);
    expect(await res.text()).toContain('<Ack>ERROR</Ack>');
  });
});
