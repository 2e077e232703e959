import { Controller, Get, Inject, UseGuards } from '@nestjs/common';
import type { BusRuntime } from '@junction/engine';
import { AdminAuthGuard } from './auth/admin-auth.guard';
import { BUS_RUNTIME } from './admin.tokens';

/** Kafka consumer lag and committed offsets per route (the dashboard shows them). */
@Controller('admin/kafka')
@UseGuards(AdminAuthGuard)
export class KafkaController {
  constructor(@Inject(BUS_RUNTIME) private readonly bus: BusRuntime) {}

  @Get('lag')
  lag() {
    return this.bus.kafka.lag();
  }
}
