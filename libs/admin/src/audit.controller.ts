import { Controller, Get, Inject, Query, UseGuards } from '@nestjs/common';
import type { BusRuntime } from '@junction/engine';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { AdminAuthGuard } from './auth/admin-auth.guard';
import { BUS_RUNTIME } from './admin.tokens';
import { limit } from './messages.controller';
import { AdminApi, ApiJson, ApiProblems } from './openapi/api-docs';

/** The audit log of admin actions, newest first. */
@ApiTags('audit')
@Controller('admin/audit')
@UseGuards(AdminAuthGuard)
@AdminApi()
export class AuditController {
  constructor(@Inject(BUS_RUNTIME) private readonly bus: BusRuntime) {}

  @Get()
  @ApiOperation({ summary: 'The audit log of admin actions, newest first' })
  @ApiQuery({ name: 'action', required: false, description: 'login, replay, reload...' })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 50 } })
  @ApiQuery({ name: 'before', required: false, description: 'paging: entries older than this id' })
  @ApiJson(200, ['AuditEntry'], 'Entries')
  @ApiProblems(400)
  list(@Query() q: Record<string, string | undefined>) {
    return this.bus.store.listAudit({ limit: limit(q.limit), before: q.before, action: q.action });
  }
}
