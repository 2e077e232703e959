import type { ConnectorModule } from '../shared/connector-module';
import { checkScheduleSource } from './schedule.check';
import { ScheduleSourceSchema, type ScheduleSourceDef } from './schedule.config';
import { ScheduleIngress } from './schedule.ingress';

/**
 * Schedules: a source that emits one message per tick, every period or on a cron expression (to poll a system through
 * an enricher, to start a batch). Instances of the bus sharing a store fire each tick once between them, through the
 * store's leases. No target side.
 */
export const scheduleConnector: ConnectorModule<ScheduleSourceDef> = {
  kind: 'schedule',
  title: 'Schedules: a message every period or on a cron expression, each tick fired by one instance',
  source: ScheduleSourceSchema,
  settings: [],
  // No sourceKeys: a schedule claims no address, and any number of routes may tick on the same schedule (each route's
  // ticks are its own, claimed under its route id).
  check: { source: checkScheduleSource },
  create: ({ store, log }) => ({ ingress: new ScheduleIngress(store.leases, log) }),
};
