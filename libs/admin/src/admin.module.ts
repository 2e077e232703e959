import { Module, type DynamicModule } from '@nestjs/common';
import type { BusRuntime } from '@junction/engine';
import { AdminAuthGuard } from './admin-auth.guard';
import { ADMIN_TOKEN, BUS_RUNTIME } from './admin.tokens';
import { DeadLettersController } from './dead-letters.controller';
import { HealthController } from './health.controller';
import { KafkaController } from './kafka.controller';
import { MessagesController } from './messages.controller';
import { RoutesController } from './routes.controller';

/** The admin API over a running bus: health, routes and reload, the journal, dead letters and replay. */
@Module({})
export class AdminModule {
  static forRuntime(runtime: BusRuntime, adminToken: string | undefined): DynamicModule {
    return {
      module: AdminModule,
      controllers: [HealthController, RoutesController, MessagesController, DeadLettersController, KafkaController],
      providers: [
        { provide: BUS_RUNTIME, useValue: runtime },
        { provide: ADMIN_TOKEN, useValue: adminToken },
        AdminAuthGuard,
      ],
    };
  }
}
