import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { BusRuntime } from '@junction/engine';
import type { FastifyReply } from 'fastify';
import { BUS_RUNTIME } from './admin.tokens';
import { healthReport } from './health';

/**
 * Liveness and readiness, open to probes without credentials. `/health` reports both with the store's status; it
 * answers 503 when the bus cannot take messages (store unreachable or no routes loaded), so a load balancer can take
 * the instance out.
 */
@Controller('health')
export class HealthController {
  constructor(@Inject(BUS_RUNTIME) private readonly bus: BusRuntime) {}

  @Get()
  async health(@Res() reply: FastifyReply): Promise<void> {
    const report = await healthReport(this.bus);
    reply.code(report.ready ? 200 : 503).send(report);
  }

  @Get('live')
  live(): { live: true } {
    return { live: true };
  }

  @Get('ready')
  async ready(@Res() reply: FastifyReply): Promise<void> {
    const { ready, store } = await healthReport(this.bus);
    reply.code(ready ? 200 : 503).send({ ready, store });
  }
}
