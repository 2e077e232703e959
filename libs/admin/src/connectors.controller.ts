import { Controller, Get, Inject, UseGuards } from '@nestjs/common';
import type { BusRuntime } from '@junction/engine';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminAuthGuard } from './auth/admin-auth.guard';
import { BUS_RUNTIME } from './admin.tokens';
import { AdminApi, ApiJson } from './openapi/api-docs';

/**
 * The connectors the bus runs with, and the state of each route's source: connected or reconnecting, since when, the
 * last error, the backlog (Kafka consumer lag, an AMQP queue's depth) and the kind's own detail (partitions and
 * offsets...). The metrics and the dashboard read the same figures.
 */
@ApiTags('connectors')
@Controller('admin/connectors')
@UseGuards(AdminAuthGuard)
@AdminApi()
export class ConnectorsController {
  constructor(@Inject(BUS_RUNTIME) private readonly bus: BusRuntime) {}

  @Get()
  @ApiOperation({ summary: 'The connectors, with the state and backlog of each route\'s source' })
  @ApiJson(200, ['Connector'], 'Connectors')
  async list() {
    const status = await this.bus.connectorStatus();
    return status.map((s) => {
      const module = this.bus.connectors.find((m) => m.kind === s.kind)!;
      return { kind: s.kind, title: module.title, source: module.source !== undefined, target: module.target !== undefined, sources: s.sources };
    });
  }

  /** Every loaded route's targets with their queue in the outbox: deliveries pending (first attempt or retry). */
  @Get('targets')
  @ApiOperation({ summary: 'Each loaded target with its queue in the outbox (deliveries pending)' })
  @ApiJson(200, ['TargetQueue'], 'Targets')
  async targets() {
    const pending = new Map((await this.bus.store.pendingByTarget()).map((q) => [`${q.routeId}\u0000${q.targetId}`, q.pending]));
    return this.bus.routes.list().flatMap((route) =>
      [...route.targets.values()].map((t) => ({
        routeId: route.id,
        targetId: t.id,
        kind: t.kind,
        description: t.description,
        pending: pending.get(`${route.id}\u0000${t.id}`) ?? 0,
      })),
    );
  }
}
