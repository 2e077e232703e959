import { Controller, Get, Inject, Query, UseGuards } from '@nestjs/common';
import type { BusRuntime } from '@junction/engine';
import { AdminAuthGuard } from './auth/admin-auth.guard';
import { BUS_RUNTIME } from './admin.tokens';
import { limit } from './messages.controller';

/** Aggregation groups held now (the Aggregator): route, step, correlation key, parts, since when, until when. */
@Controller('admin/aggregations')
@UseGuards(AdminAuthGuard)
export class AggregationsController {
  constructor(@Inject(BUS_RUNTIME) private readonly bus: BusRuntime) {}

  /** `?route=` narrows to one route; `?limit=` (default 100). Oldest group first; `totals` counts every open group. */
  @Get()
  async list(@Query() q: Record<string, string | undefined>) {
    const [groups, totals] = await Promise.all([
      this.bus.store.correlation.listGroups({ routeId: q.route, limit: q.limit === undefined ? 100 : limit(q.limit) }),
      this.bus.store.correlation.countGroups(),
    ]);
    return { totals, completer: this.bus.aggregation.counts, groups };
  }
}
