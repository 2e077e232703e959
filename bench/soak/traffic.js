'use strict';
/**
 * The soak's traffic: paced senders, one per kind, each keeping the ids the bus acknowledged (the ones that must
 * reach the sink) apart from those it refused or never answered (a kill in between: the caller knows those failed).
 * - sync: JSON over HTTP, acknowledged by a 2xx (the sink already has it then);
 * - async: JSON over HTTP, acknowledged by a 202 (committed to the store);
 * - soap: SOAP 1.1 SubmitOrder of the legacy order service, acknowledged by its response naming the order;
 * - kafka: records produced with acks=all, acknowledged by the broker (the bus consumes them at its pace).
 */
const http = require('node:http');

const TICK_MS = 100;
const REQUEST_TIMEOUT_MS = 15_000;

/** Counts of one kind. */
class Tally {
  constructor(kind) {
    this.kind = kind;
    this.sent = 0;
    this.failed = 0;
    /** @type {Set<string>} */
    this.acked = new Set();
    this.inFlight = 0;
  }
}

/**
 * Sends `rate` messages a second (paced every 100 ms, at most `concurrency` in flight) while `running()` holds.
 * `sendOne(id)` resolves true when the bus acknowledged the message. Resolves once the last one is answered.
 * @param {Tally} tally
 * @param {{ rate: number, concurrency: number, running: () => boolean, prefix: string, sendOne: (id: string) => Promise<boolean> }} o
 */
async function pace(tally, o) {
  let n = 0;
  let credit = 0;
  while (o.running()) {
    credit += (o.rate * TICK_MS) / 1000;
    while (credit >= 1 && tally.inFlight < o.concurrency) {
      credit -= 1;
      const id = `${o.prefix}-${n++}`;
      tally.sent++;
      tally.inFlight++;
      o.sendOne(id)
        .then((ok) => (ok ? tally.acked.add(id) : tally.failed++))
        .catch(() => tally.failed++)
        .finally(() => tally.inFlight--);
    }
    credit = Math.min(credit, o.rate); // no burst after a stall
    await sleep(TICK_MS);
  }
  while (tally.inFlight > 0) await sleep(50);
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** One POST; resolves with the status and body, or status 0 when the connection failed or timed out. */
function postRaw(url, body, headers) {
  return new Promise((resolve) => {
    const req = http.request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) }, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', () => resolve({ status: 0, text: '' }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, text: '' }));
    req.end(body);
  });
}

/** @param {() => string} busUrl  the bus's URL (the same port across restarts) */
function httpSenders(busUrl) {
  const json = { 'content-type': 'application/json' };
  return {
    sync: async (id) => (await postRaw(`${busUrl()}/soak/sync`, JSON.stringify({ id, amount: 5 }), json)).status === 200,
    async: async (id) => (await postRaw(`${busUrl()}/soak/async`, JSON.stringify({ id, amount: 5 }), json)).status === 202,
    soap: async (id) => {
      const res = await postRaw(`${busUrl()}/soak/soap`, submitOrder(id), {
        'content-type': 'text/xml; charset=utf-8',
        soapaction: '"urn:legacy:orders/SubmitOrder"',
      });
      return res.status === 200 && res.text.includes(`>${id}<`);
    },
  };
}

function submitOrder(id) {
  return (
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>' +
    `<SubmitOrderRequest xmlns="urn:legacy:orders:types"><Order><OrderNo>${id}</OrderNo><CustNo>C-1</CustNo>` +
    '<OrderDate>2025-03-01</OrderDate><Currency>EUR</Currency><Lines><Line><Sku>SKU-1</Sku><Qty>1</Qty>' +
    '<Price>9.50</Price></Line></Lines><Total>9.50</Total></Order></SubmitOrderRequest></soapenv:Body></soapenv:Envelope>'
  );
}

/**
 * A Kafka sender: one producer, each id one record (acks=all). Records are sent one by one: a batch would share one
 * fate, and the soak counts each record.
 * @param {import('kafkajs').Producer} producer
 * @param {string} topic
 */
function kafkaSender(producer, topic) {
  return async (id) => {
    await producer.send({ topic, acks: -1, messages: [{ key: id, value: JSON.stringify({ id, amount: 5 }), headers: { 'content-type': 'application/json' } }] });
    return true;
  };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

module.exports = { Tally, pace, httpSenders, kafkaSender, sleep, agent };
