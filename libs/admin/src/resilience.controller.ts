import { Controller, Get, Inject, UseGuards } from '@nestjs/common';
import type { BusRuntime } from '@junction/engine';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminAuthGuard } from './auth/admin-auth.guard';
import { BUS_RUNTIME } from './admin.tokens';
import { AdminApi, ApiJson } from './openapi/api-docs';

/**
 * `GET /admin/resilience`: this instance's circuit breakers (state, since when, calls and failures in the window, how
 * often each opened) and throttles (rate, deliveries or messages waiting, how many were held back or refused). The
 * state is per instance and survives route reloads; `open` lists the breakers not closed, for a quick look.
 */
@ApiTags('resilience')
@Controller('admin/resilience')
@UseGuards(AdminAuthGuard)
@AdminApi()
export class ResilienceController {
  constructor(@Inject(BUS_RUNTIME) private readonly bus: BusRuntime) {}

  @Get()
  @ApiOperation({ summary: 'Circuit breakers and throttles of this instance' })
  @ApiJson(200, 'Resilience', 'Breakers and throttles')
  view() {
    const { circuits, throttles } = this.bus.resilience.view();
    return {
      at: Date.now(),
      open: circuits.filter((c) => c.state !== 'closed').map((c) => ({ routeId: c.routeId, targetId: c.targetId, state: c.state, since: c.since })),
      circuits,
      throttles,
    };
  }
}
