/**
 * The order events the ERP emits when its books change, whichever front end (XML over HTTP, SOAP) caused it. The
 * ERP hands them to an ErpEventSink; erp-events.kafka.ts is the one that publishes them to a Kafka topic.
 *
 * On the wire every event is one JSON object; fields the order did not carry are `null` (the shape never varies).
 */

/** An order the ERP booked for the first time (a resubmission gets the same ErpRef and no second event). */
export interface OrderAcceptedEvent {
  readonly event: 'OrderAccepted';
  readonly orderId: string;
  /** ERP-nnnnnn */
  readonly erpRef: string;
  readonly customerId: string | null;
  /** The order's Total as a number; null when it had none or it was not a number. */
  readonly total: number | null;
  readonly currency: string | null;
  /** ISO 8601 time of acceptance, by the sandbox's clock. */
  readonly at: string;
}

/** A shipment notice the ERP took (NotifyShipment); one event per notice. */
export interface OrderShippedEvent {
  readonly event: 'OrderShipped';
  readonly orderId: string;
  readonly trackingNo: string;
  readonly carrier: string | null;
  /** ISO 8601 time the ERP took the notice, by the sandbox's clock. */
  readonly at: string;
}

export type ErpOrderEvent = OrderAcceptedEvent | OrderShippedEvent;

/**
 * Where the ERP's events go. `publish` is called synchronously while the ERP answers and must neither throw nor make
 * the answer wait: delivery happens afterwards, and a failure is the sink's to report.
 */
export interface ErpEventSink {
  publish(event: ErpOrderEvent): void;
}

/** Text as the ERP read it, or null when absent or blank. */
export function textOrNull(value: string | undefined): string | null {
  const text = value?.trim();
  return text ? text : null;
}

/** A Total as the ERP read it ("1298.00"), as a number; null when absent or not a finite number. */
export function amountOrNull(value: string | undefined): number | null {
  const text = value?.trim();
  if (!text) return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}
