'use strict';
/**
 * The bench's messages: the WSO2 buyStocks SOAP order (the payload of WSO2's published ESB benchmarks) with as many
 * <order> elements as make the wanted size, and its JSON twin with the same orders. Built once per process into
 * memory; deterministic, so that the load generator and the harness build the same bytes.
 */

const SIZES = { '500B': 500, '1KB': 1024, '10KB': 10 * 1024, '100KB': 100 * 1024 };

const SYMBOLS = ['IBM', 'MSFT', 'SUN', 'WSO2', 'ORCL'];

/** The WSO2 sample's first order is IBM by asankha; later ones vary so that no two are the same text. */
function order(i) {
  return {
    symbol: SYMBOLS[i % SYMBOLS.length],
    buyerID: i === 0 ? 'asankha' : `buyer${i}`,
    price: (140.25 + (i % 97) / 4).toFixed(3),
    volume: String(20000 + i),
  };
}

const xmlOrder = (o) =>
  `<order><symbol>${o.symbol}</symbol><buyerID>${o.buyerID}</buyerID><price>${o.price}</price><volume>${o.volume}</volume></order>`;

/**
 * S3 routes on this header block (WSO2's "SOAP header based routing" sends one like it); the other scenarios use
 * the sample's empty header.
 */
const ROUTING_HEADER = '<routing xmlns="http://someuri">xadmin;server1;community#1.0##</routing>';

function soapEnvelope(orders, soapHeader) {
  const header = soapHeader ? `<soapenv:Header>${ROUTING_HEADER}</soapenv:Header>` : '<soapenv:Header/>';
  return (
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">' +
    header +
    '<soapenv:Body><m0:buyStocks xmlns:m0="http://services.samples">' +
    orders.map(xmlOrder).join('') +
    '</m0:buyStocks></soapenv:Body></soapenv:Envelope>'
  );
}

function jsonTwin(orders) {
  return JSON.stringify({
    buyStocks: { order: orders.map((o) => ({ ...o, price: Number(o.price), volume: Number(o.volume) })) },
  });
}

/** The number of orders is the smallest that reaches `bytes` (at least one), so every size starts with IBM. */
function build(format, bytes, soapHeader) {
  const render = (orders) => (format === 'xml' ? soapEnvelope(orders, soapHeader) : jsonTwin(orders));
  const orders = [order(0)];
  // Grow by the size of one order at a time; a 100 KB body is ~800 orders, built once.
  while (Buffer.byteLength(render(orders)) < bytes) orders.push(order(orders.length));
  return Buffer.from(render(orders));
}

const cache = new Map();

/**
 * The payload for a format ('xml' | 'json'), a size label ('500B', '1KB', '10KB', '100KB') and, for XML, whether
 * the envelope carries the routing header block.
 */
function payload(format, size, soapHeader = false) {
  const bytes = SIZES[size];
  if (!bytes) throw new Error(`unknown size ${size} (known: ${Object.keys(SIZES).join(', ')})`);
  if (format !== 'xml' && format !== 'json') throw new Error(`unknown format ${format}`);
  const key = `${format}/${size}/${soapHeader}`;
  let body = cache.get(key);
  if (!body) cache.set(key, (body = build(format, bytes, soapHeader && format === 'xml')));
  return body;
}

const CONTENT_TYPES = { xml: 'text/xml; charset=utf-8', json: 'application/json' };

module.exports = { SIZES, payload, CONTENT_TYPES };
