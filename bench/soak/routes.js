'use strict';
/**
 * The soak's route folder: one route per kind of traffic, each delivering to the harness's sink. The SOAP route
 * publishes the sample legacy order service (routes/wsdl/legacy-orders.wsdl, copied beside the route file).
 */
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');

/**
 * Writes the route file (and the WSDL with its schema) into `dir`.
 * @param {string} dir
 * @param {{ kafkaTopic?: string }} options  with a topic, a Kafka route consumes it
 */
function writeRoutes(dir, { kafkaTopic }) {
  fs.mkdirSync(path.join(dir, 'wsdl'), { recursive: true });
  for (const file of ['legacy-orders.wsdl', 'legacy-orders-types.xsd']) {
    fs.copyFileSync(path.join(ROOT, 'routes', 'wsdl', file), path.join(dir, 'wsdl', file));
  }
  const kafka = kafkaTopic
    ? `
  - id: soak-kafka
    from: { kafka: { topic: ${kafkaTopic}, group: ${kafkaTopic}-group, fromBeginning: true } }
    mode: async
    to: [{ id: sink, http: { url: "\${SINK_URL}/sink/kafka" }, retry: { attempts: 50, backoffMs: 100, maxBackoffMs: 2000 } }]
`
    : '';
  fs.writeFileSync(
    path.join(dir, 'soak.yaml'),
    `routes:
  - id: soak-sync
    from: { http: { path: /soak/sync } }
    mode: sync
    to: [{ id: sink, http: { url: "\${SINK_URL}/sink/sync" }, retry: { attempts: 2, backoffMs: 50 } }]

  - id: soak-async
    from: { http: { path: /soak/async } }
    mode: async
    to: [{ id: sink, http: { url: "\${SINK_URL}/sink/async" }, retry: { attempts: 50, backoffMs: 100, maxBackoffMs: 2000 } }]

  - id: soak-soap
    from: { soap: { path: /soak/soap, wsdl: wsdl/legacy-orders.wsdl } }
    mode: sync
    xml: { arrays: [SubmitOrderRequest.Order.Lines.Line] }
    steps:
      - map: '{ "id": SubmitOrderRequest.Order.OrderNo, "total": $number(SubmitOrderRequest.Order.Total) }'
    to: [{ id: sink, http: { url: "\${SINK_URL}/sink/soap", format: json }, retry: { attempts: 2, backoffMs: 50 } }]
    reply:
      - map: '{ "OrderNo": id, "Status": "ACCEPTED", "MessageId": $messageId }'
${kafka}`,
  );
}

module.exports = { writeRoutes };
