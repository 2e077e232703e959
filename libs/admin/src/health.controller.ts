import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { BusRuntime } from '@junction/engine';
import type { FastifyReply } from 'fastify';
import { BUS_RUNTIME } from './admin.tokens';

/**
 * Liveness and readiness. `/health` reports both with the store's status; it answers 503 when the bus cannot take
 * messages (store unreachable or no routes loaded), so a load balancer can take the instance out.
 */
@Controller('health')
export class HealthController {
  constructor(@Inject(BUS_RUNTIME) private readonly bus: BusRuntime) {}

  @Get()
  async health(@Res() reply: FastifyReply): Promise<void> {
    const store = await this.bus.store.health();
    const reload = this.bus.routes.lastReload;
    const ready = store.ok && this.bus.routes.list().length > 0;
    reply.code(ready ? 200 : 503).send({
      status: ready ? 'ok' : 'unavailable',
      live: true,
      ready,
      store,
      routes: this.bus.routes.list().length,
      lastReload: reload,
    });
  }

  @Get('live')
  live(): { live: true } {
    return { live: true };
  }

  @Get('ready')
  async ready(@Res() reply: FastifyReply): Promise<void> {
    const store = await this.bus.store.health();
    const ready = store.ok && this.bus.routes.list().length > 0;
    reply.code(ready ? 200 : 503).send({ ready, store });
  }
}
