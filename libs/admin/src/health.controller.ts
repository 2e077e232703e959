import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { BusRuntime } from '@junction/engine';
import type { FastifyReply } from 'fastify';
import { BUS_RUNTIME } from './admin.tokens';
import { healthReport } from './health';
import { ApiJson } from './openapi/api-docs';

/**
 * Liveness and readiness, open to probes without credentials. `/health` reports both with the store's status; it
 * answers 503 when the bus cannot take messages (store unreachable or no routes loaded), so a load balancer can take
 * the instance out.
 */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(@Inject(BUS_RUNTIME) private readonly bus: BusRuntime) {}

  @Get()
  @ApiOperation({ summary: 'Liveness and readiness with the store and the last reload (no credential needed)' })
  @ApiJson(200, 'Health', 'The bus can take messages')
  @ApiJson(503, 'Health', 'The store is unreachable or no route is loaded')
  async health(@Res() reply: FastifyReply): Promise<void> {
    const report = await healthReport(this.bus);
    reply.code(report.ready ? 200 : 503).send(report);
  }

  @Get('live')
  @ApiOperation({ summary: 'Liveness (no credential needed)' })
  @ApiJson(200, 'Liveness', 'The process answers')
  live(): { live: true } {
    return { live: true };
  }

  @Get('ready')
  @ApiOperation({ summary: 'Readiness (no credential needed)' })
  @ApiJson(200, 'Readiness', 'Ready')
  @ApiJson(503, 'Readiness', 'Not ready')
  async ready(@Res() reply: FastifyReply): Promise<void> {
    const { ready, store } = await healthReport(this.bus);
    reply.code(ready ? 200 : 503).send({ ready, store });
  }
}
