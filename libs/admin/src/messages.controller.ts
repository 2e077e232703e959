import { Controller, Get, Inject, NotFoundException, Param, Query, UseGuards } from '@nestjs/common';
import { InputError } from '@junction/core';
import type { BusRuntime } from '@junction/engine';
import { MESSAGE_STATUSES, type MessageStatus } from '@junction/store';
import { ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { AdminAuthGuard } from './auth/admin-auth.guard';
import { BUS_RUNTIME } from './admin.tokens';
import { maskerOf, messageView } from './masked-view';
import { AdminApi, ApiJson, ApiProblems } from './openapi/api-docs';

const STATUSES: readonly MessageStatus[] = MESSAGE_STATUSES;

/** Message search and the journal record of one message, with every delivery and attempt. */
@ApiTags('messages')
@Controller('admin/messages')
@UseGuards(AdminAuthGuard)
@AdminApi()
export class MessagesController {
  constructor(@Inject(BUS_RUNTIME) private readonly bus: BusRuntime) {}

  @Get()
  @ApiOperation({ summary: 'Searches the journal, newest first' })
  @ApiQuery({ name: 'route', required: false, description: 'route id' })
  @ApiQuery({ name: 'status', required: false, enum: MESSAGE_STATUSES })
  @ApiQuery({ name: 'correlationId', required: false })
  @ApiQuery({ name: 'businessKey', required: false })
  @ApiQuery({ name: 'since', required: false, description: 'epoch milliseconds or an ISO 8601 date' })
  @ApiQuery({ name: 'until', required: false, description: 'epoch milliseconds or an ISO 8601 date' })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 50 } })
  @ApiQuery({ name: 'before', required: false, description: 'paging: messages older than this id' })
  @ApiJson(200, ['MessageSummary'], 'Matching messages')
  @ApiProblems(400)
  list(@Query() q: Record<string, string | undefined>) {
    if (q.status && !STATUSES.includes(q.status as MessageStatus)) {
      throw new InputError('BAD_FILTER', `status must be one of ${STATUSES.join(', ')}`);
    }
    return this.bus.store.listMessages({
      routeId: q.route,
      status: q.status as MessageStatus | undefined,
      correlationId: q.correlationId,
      businessKey: q.businessKey,
      since: time(q.since, 'since'),
      until: time(q.until, 'until'),
      limit: limit(q.limit),
      before: q.before,
    });
  }

  @Get(':id')
  @ApiOperation({ summary: 'One message with its deliveries, attempts, hops and dead letters (sensitive fields masked)' })
  @ApiParam({ name: 'id', description: 'message id (or a split part\'s id)' })
  @ApiJson(200, 'MessageDetail', 'The journal record')
  @ApiProblems(404)
  async get(@Param('id') id: string) {
    const detail = await this.bus.store.getMessage(id);
    if (!detail) throw new NotFoundException(`no message ${id}`);
    return messageView(detail, maskerOf(this.bus, detail.routeId));
  }
}

/** A time filter: epoch milliseconds or an ISO 8601 date. */
export function time(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (Number.isNaN(n)) throw new InputError('BAD_FILTER', `${name} must be epoch milliseconds or an ISO date`);
  return n;
}

export function limit(value: string | undefined): number {
  if (value === undefined) return 50;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new InputError('BAD_FILTER', 'limit must be 1 to 1000');
  return n;
}
