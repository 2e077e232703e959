import { Controller, Get, Inject, Res, UseGuards } from '@nestjs/common';
import type { BusRuntime } from '@junction/engine';
import type { FastifyReply } from 'fastify';
import { AdminAuthGuard } from './auth/admin-auth.guard';
import { BUS_RUNTIME } from './admin.tokens';

/** `GET /metrics`: the bus's Prometheus metrics (its own registry: Node runtime and `junction_*`). */
@Controller('metrics')
@UseGuards(AdminAuthGuard)
export class MetricsController {
  constructor(@Inject(BUS_RUNTIME) private readonly bus: BusRuntime) {}

  @Get()
  async metrics(@Res() reply: FastifyReply): Promise<void> {
    const text = await this.bus.telemetry.metricsText();
    reply.header('content-type', this.bus.telemetry.contentType).send(text);
  }
}
