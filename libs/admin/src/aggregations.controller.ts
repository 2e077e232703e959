import { Controller, Get, Inject, Query, UseGuards } from '@nestjs/common';
import type { BusRuntime } from '@junction/engine';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { AdminAuthGuard } from './auth/admin-auth.guard';
import { BUS_RUNTIME } from './admin.tokens';
import { limit } from './messages.controller';
import { AdminApi, ApiJson, ApiProblems } from './openapi/api-docs';

/** Aggregation groups held now (the Aggregator): route, step, correlation key, parts, since when, until when. */
@ApiTags('aggregations')
@Controller('admin/aggregations')
@UseGuards(AdminAuthGuard)
@AdminApi()
export class AggregationsController {
  constructor(@Inject(BUS_RUNTIME) private readonly bus: BusRuntime) {}

  /** `?route=` narrows to one route; `?limit=` (default 100). Oldest group first; `totals` counts every open group. */
  @Get()
  @ApiOperation({ summary: 'Aggregation groups held now, oldest first' })
  @ApiQuery({ name: 'route', required: false, description: 'route id' })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } })
  @ApiJson(200, 'Aggregations', 'Groups, totals and the completer\'s counts')
  @ApiProblems(400)
  async list(@Query() q: Record<string, string | undefined>) {
    const [groups, totals] = await Promise.all([
      this.bus.store.correlation.listGroups({ routeId: q.route, limit: q.limit === undefined ? 100 : limit(q.limit) }),
      this.bus.store.correlation.countGroups(),
    ]);
    return { totals, completer: this.bus.aggregation.counts, groups };
  }
}
