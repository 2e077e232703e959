import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { writeJsonSchemas } from '@junction/config';
import { CONNECTORS } from '../../bus/src/connectors';
import { CliError, EXIT } from './exit-codes';
import type { Io } from './output';
import { testCommand, validateCommand } from './route-files.commands';

const SAMPLE_ROUTE = `# yaml-language-server: $schema=../schemas/routes.schema.json
#
# A first route: orders posted to /orders are checked, stored, answered 202, then delivered to the order service
# in its shape, with retries; a message that still fails goes to the dead letters (\`junction dead-letters\`).
# Run its tests with \`junction test routes\`, check the folder with \`junction validate routes\`.
routes:
  - id: sample-orders
    description: Web orders, checked and delivered to the order service
    from:
      http: { path: /orders }
    mode: async
    businessKey: orderId
    steps:
      - validate:
          schema:
            type: object
            required: [orderId, items]
            properties:
              orderId: { type: string, minLength: 1 }
              items:
                type: array
                minItems: 1
                items:
                  type: object
                  required: [sku, qty]
                  properties:
                    sku: { type: string }
                    qty: { type: integer, minimum: 1 }
      - map: |
          {
            "orderRef": orderId,
            "lines": [items.{ "sku": sku, "quantity": qty }]
          }
    to:
      - id: order-service
        http: { url: "\${ORDER_SERVICE_URL:-http://127.0.0.1:4010/orders}" }
        retry: { attempts: 5, backoffMs: 1000 }
`;

const SAMPLE_TEST = `# yaml-language-server: $schema=../schemas/route-tests.schema.json
# Route tests of sample.yaml: \`junction test routes\`. Targets are captured; nothing leaves the process.
tests:
  - name: an order is delivered to the order service in its shape
    route: sample-orders
    input:
      body: { orderId: A-1, items: [{ sku: SKU-1, qty: 2 }] }
    expect:
      outcome: delivered
      deliveries:
        - target: order-service
          count: 1
          body: { orderRef: A-1, lines: [{ sku: SKU-1, quantity: 2 }] }

  - name: an order without items is dead-lettered, not delivered
    route: sample-orders
    input:
      body: { orderId: A-2 }
    expect:
      outcome: dead
      notDelivered: [order-service]
`;

/**
 * \`junction init [dir]\`: a routes folder with a sample route and its test, and the editor schemas they name; then
 * validates and tests what it wrote. Existing files are left alone unless \`force\`.
 */
export async function initCommand(dirArg: string | undefined, options: { force?: boolean }, env: Record<string, string | undefined>, io: Io): Promise<number> {
  const dir = resolve(dirArg ?? '.');
  const routes = join(dir, 'routes');
  const files = { [join(routes, 'sample.yaml')]: SAMPLE_ROUTE, [join(routes, 'sample.test.yaml')]: SAMPLE_TEST };
  const existing = Object.keys(files).filter((f) => existsSync(f));
  if (existing.length > 0 && !options.force) {
    throw new CliError(EXIT.ERROR, `${existing.map((f) => relative(process.cwd(), f) || f).join(', ')} already there (--force to overwrite)`);
  }
  mkdirSync(routes, { recursive: true });
  for (const [file, text] of Object.entries(files)) {
    writeFileSync(file, text);
    io.out.write(`wrote ${file}\n`);
  }
  for (const file of writeJsonSchemas(CONNECTORS, join(dir, 'schemas'))) io.out.write(`wrote ${file}\n`);
  // What init writes must pass the checks it tells the user to run.
  const checks = await validateCommand(routes, env, io);
  return checks === EXIT.OK ? testCommand(routes, env, io) : checks;
}
