import type { IngressConnector } from '@junction/core';
import { Server, type CustomTransportStrategy } from '@nestjs/microservices';
import type { HostedIngress } from './broker-ingress';

/**
 * The one Nest microservice transport of the bus (it is a hybrid application: HTTP plus this): it hosts every broker
 * ingress (Kafka, AMQP, MQTT...) alike. Nest calls `listen` once the app starts, and the ingresses open their
 * consumers then; `close` comes at shutdown, after the bus runtime already closed the ingresses (closing is
 * idempotent). Routes come from route files, not from Nest message handlers.
 */
export class BrokerTransport extends Server implements CustomTransportStrategy {
  constructor(private readonly ingresses: readonly (IngressConnector & HostedIngress)[]) {
    super();
  }

  listen(callback: (...optionalParams: unknown[]) => unknown): void {
    for (const ingress of this.ingresses) ingress.listen();
    callback();
  }

  async close(): Promise<void> {
    await Promise.all(this.ingresses.map((i) => i.close()));
  }

  on(): void {
    throw new Error('broker ingresses take their routes from route files, not from event handlers');
  }

  unwrap<T>(): T {
    return this.ingresses as unknown as T;
  }
}

/** Whether an ingress is hosted by the broker transport (it opens its consumers when the transport listens). */
export function isHosted(ingress: IngressConnector): ingress is IngressConnector & HostedIngress {
  return typeof (ingress as Partial<HostedIngress>).listen === 'function';
}
