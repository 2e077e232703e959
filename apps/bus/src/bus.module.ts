import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AdminModule, type BusPeers } from '@junction/admin';
import type { Settings } from '@junction/config';
import type { Logger } from '@junction/core';
import type { BusRuntime } from '@junction/engine';
import { DashboardModule } from '../../dashboard/src/dashboard.module';
import { ProblemFilter } from './problem.filter';

/** The root module: wiring only. The runtime is built outside Nest and handed in. */
@Module({})
export class BusModule {
  static create(runtime: BusRuntime, settings: Settings, log: Logger, peers: BusPeers | null = null): DynamicModule {
    return {
      module: BusModule,
      imports: [AdminModule.forRuntime(runtime, settings, log, peers), DashboardModule],
      providers: [{ provide: APP_FILTER, useClass: ProblemFilter }],
    };
  }
}
