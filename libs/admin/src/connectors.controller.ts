import { Controller, Get, Inject, UseGuards } from '@nestjs/common';
import type { BusRuntime } from '@junction/engine';
import { AdminAuthGuard } from './auth/admin-auth.guard';
import { BUS_RUNTIME } from './admin.tokens';

/**
 * The connectors the bus runs with, and the state of each route's source: connected or reconnecting, since when, the
 * last error, the backlog (Kafka consumer lag, an AMQP queue's depth) and the kind's own detail (partitions and
 * offsets...). The metrics and the dashboard read the same figures.
 */
@Controller('admin/connectors')
@UseGuards(AdminAuthGuard)
export class ConnectorsController {
  constructor(@Inject(BUS_RUNTIME) private readonly bus: BusRuntime) {}

  @Get()
  async list() {
    const status = await this.bus.connectorStatus();
    return status.map((s) => {
      const module = this.bus.connectors.find((m) => m.kind === s.kind)!;
      return { kind: s.kind, title: module.title, source: module.source !== undefined, target: module.target !== undefined, sources: s.sources };
    });
  }
}
