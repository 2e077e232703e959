import { Controller, Get, Inject, Res, UseGuards } from '@nestjs/common';
import type { BusRuntime } from '@junction/engine';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AdminAuthGuard } from './auth/admin-auth.guard';
import { BUS_RUNTIME } from './admin.tokens';
import { BUS_PEERS, type BusPeers } from './bus-peers';
import { AdminApi } from './openapi/api-docs';

/** `GET /metrics`: the bus's Prometheus metrics (its own registry: Node runtime and `junction_*`), every process's
 *  added up when the bus runs as several. */
@ApiTags('metrics')
@Controller('metrics')
@UseGuards(AdminAuthGuard)
@AdminApi()
export class MetricsController {
  constructor(
    @Inject(BUS_RUNTIME) private readonly bus: BusRuntime,
    @Inject(BUS_PEERS) private readonly peers: BusPeers | null,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Prometheus metrics (text exposition format 0.0.4)' })
  @ApiResponse({ status: 200, description: 'The metrics', content: { 'text/plain': { schema: { type: 'string' } } } })
  async metrics(@Res() reply: FastifyReply): Promise<void> {
    const text = this.peers ? await this.peers.metricsText() : await this.bus.telemetry.metricsText();
    reply.header('content-type', this.bus.telemetry.contentType).send(text);
  }
}
