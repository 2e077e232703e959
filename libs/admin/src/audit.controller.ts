import { Controller, Get, Inject, Query, UseGuards } from '@nestjs/common';
import type { BusRuntime } from '@junction/engine';
import { AdminAuthGuard } from './auth/admin-auth.guard';
import { BUS_RUNTIME } from './admin.tokens';
import { limit } from './messages.controller';

/** The audit log of admin actions, newest first. */
@Controller('admin/audit')
@UseGuards(AdminAuthGuard)
export class AuditController {
  constructor(@Inject(BUS_RUNTIME) private readonly bus: BusRuntime) {}

  @Get()
  list(@Query() q: Record<string, string | undefined>) {
    return this.bus.store.listAudit({ limit: limit(q.limit), before: q.before, action: q.action });
  }
}
