import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { Settings } from '@junction/config';
import type { Logger } from '@junction/core';
import type { BusRuntime } from '@junction/engine';
import { AggregationsController } from './aggregations.controller';
import { AuditController } from './audit.controller';
import { AdminAuth, type AdminAuthOptions } from './auth/admin-auth';
import { AdminAuthGuard } from './auth/admin-auth.guard';
import { AuditTrail } from './auth/audit-trail';
import { SessionController } from './auth/session.controller';
import { BUS_RUNTIME } from './admin.tokens';
import { BUS_PEERS, type BusPeers } from './bus-peers';
import { DeadLettersController } from './dead-letters.controller';
import { HealthController } from './health.controller';
import { ConnectorsController } from './connectors.controller';
import { LiveController } from './live.controller';
import { MessagesController } from './messages.controller';
import { MetricsController } from './metrics.controller';
import { RoutesController } from './routes.controller';
import { ResilienceController } from './resilience.controller';
import { OpenApiController, OpenApiDocument } from './openapi/openapi.controller';

/** The admin API over a running bus: health, login, routes and reload, the journal, dead letters and replay, the
 *  audit log. Global, so that the dashboard's module can ask `AdminAuth` who is calling. */
@Global()
@Module({})
export class AdminModule {
  /** `peers`: the bus's other processes when it runs as several (WORKERS > 1); the admin then shows the whole bus. */
  static forRuntime(runtime: BusRuntime, settings: AdminSettings, log: Logger, peers: BusPeers | null = null): DynamicModule {
    const auth = new AdminAuth({ ...adminAuthOptions(settings), shared: peers?.auth });
    if (auth.locked) log.warn({}, 'admin API and dashboard are locked: set ADMIN_TOKEN, or ADMIN_USER and ADMIN_PASSWORD');
    return {
      module: AdminModule,
      controllers: [HealthController, SessionController, RoutesController, MessagesController, DeadLettersController, ConnectorsController, AuditController, MetricsController, LiveController, ResilienceController, AggregationsController, OpenApiController],
      providers: [
        { provide: BUS_RUNTIME, useValue: runtime },
        { provide: BUS_PEERS, useValue: peers },
        { provide: AdminAuth, useValue: auth },
        { provide: AuditTrail, useValue: new AuditTrail(runtime.store, log) },
        AdminAuthGuard,
        OpenApiDocument,
      ],
      exports: [AdminAuth, AdminAuthGuard, BUS_RUNTIME],
    };
  }
}

/** The settings the admin part reads. */
export type AdminSettings = Pick<
  Settings,
  'ADMIN_TOKEN' | 'ADMIN_USER' | 'ADMIN_PASSWORD' | 'ADMIN_SESSION_TTL_MS' | 'PUBLIC_URL'
>;

/** The admin credentials and session settings, as every AdminAuth of the bus (a process's, or a cluster primary's) reads them. */
export function adminAuthOptions(settings: AdminSettings): AdminAuthOptions {
  return {
    token: settings.ADMIN_TOKEN,
    user: settings.ADMIN_USER,
    password: settings.ADMIN_PASSWORD,
    sessionTtlMs: settings.ADMIN_SESSION_TTL_MS,
    secureCookie: settings.PUBLIC_URL?.startsWith('https:') ?? false,
  };
}
