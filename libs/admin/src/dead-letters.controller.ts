import { Body, Controller, Get, HttpCode, Inject, NotFoundException, Param, Post, Query, Req, UseGuards } from '@nestjs/common';
import { InputError } from '@junction/core';
import type { BusRuntime } from '@junction/engine';
import type { ReplayEdit } from '@junction/store';
import { MASK } from '@junction/transform';
import { ApiBody, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { AdminAuthGuard, type AdminRequest } from './auth/admin-auth.guard';
import { AuditTrail } from './auth/audit-trail';
import { BUS_RUNTIME } from './admin.tokens';
import { jsonBody } from './body-view';
import { deadLetterView, maskerOf } from './masked-view';
import { limit } from './messages.controller';
import { AdminApi, ApiJson, ApiProblems } from './openapi/api-docs';
import { ref } from './openapi/openapi.schemas';

/** Dead letters and their replay: one, several, or one with an edited body or headers. */
@ApiTags('dead-letters')
@Controller('admin/dead-letters')
@UseGuards(AdminAuthGuard)
@AdminApi()
export class DeadLettersController {
  constructor(
    @Inject(BUS_RUNTIME) private readonly bus: BusRuntime,
    private readonly audit: AuditTrail,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Dead letters, newest first' })
  @ApiQuery({ name: 'route', required: false, description: 'route id' })
  @ApiQuery({ name: 'replayed', required: false, enum: ['true', 'false'] })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 50 } })
  @ApiQuery({ name: 'before', required: false, description: 'paging: dead letters older than this id' })
  @ApiJson(200, ['DeadLetterSummary'], 'Matching dead letters')
  @ApiProblems(400)
  list(@Query() q: Record<string, string | undefined>) {
    const replayed = q.replayed === undefined ? undefined : q.replayed === 'true';
    return this.bus.store.listDeadLetters({ routeId: q.route, replayed, limit: limit(q.limit), before: q.before });
  }

  @Get(':id')
  @ApiOperation({ summary: 'One dead letter with its message as it was sent (sensitive fields masked)' })
  @ApiParam({ name: 'id', description: 'dead letter id' })
  @ApiJson(200, 'DeadLetterDetail', 'The dead letter')
  @ApiProblems(404)
  async get(@Param('id') id: string) {
    const dl = await this.bus.store.getDeadLetter(id);
    if (!dl) throw new NotFoundException(`no dead letter ${id}`);
    return deadLetterView(dl, maskerOf(this.bus, dl.routeId));
  }

  /** Replays several: `{ "ids": [...] }`. Each one is reported; a missing one does not stop the others. */
  @Post('replay')
  @HttpCode(202)
  @ApiOperation({ summary: 'Replays several dead letters; each is reported, a missing one does not stop the others' })
  @ApiBody({ schema: ref('ReplayMany') })
  @ApiJson(202, 'ReplayManyResult', 'What became of each')
  @ApiProblems(400, 403)
  async replayMany(@Req() request: AdminRequest, @Body() raw: unknown) {
    const ids = jsonBody(raw).ids;
    if (!Array.isArray(ids) || ids.length === 0 || ids.some((i) => typeof i !== 'string')) {
      throw new InputError('BAD_REQUEST', 'expected { "ids": ["<dead letter id>", ...] }');
    }
    const results = [];
    for (const id of ids as string[]) {
      try {
        results.push({ id, requeued: await this.bus.store.replayDeadLetter(id) });
      } catch (err) {
        results.push({ id, error: (err as Error).message });
      }
    }
    this.bus.worker.wake();
    const failed = results.filter((r) => 'error' in r).length;
    await this.audit.record(request, {
      action: 'replay-many',
      target: `${ids.length} dead letters`,
      outcome: failed === ids.length ? 'failed' : 'ok',
      detail: { ids, replayed: ids.length - failed, failed },
    });
    return { results };
  }

  /** Replays one; an optional JSON body `{ body, contentType, headers }` edits the message first. */
  @Post(':id/replay')
  @HttpCode(202)
  @ApiOperation({ summary: 'Replays one dead letter, optionally with an edited body, content type or headers' })
  @ApiParam({ name: 'id', description: 'dead letter id' })
  @ApiBody({ schema: ref('ReplayEdit'), required: false })
  @ApiJson(202, 'ReplayResult', 'Back in the outbox')
  @ApiProblems(400, 403, 404, 409)
  async replay(@Req() request: AdminRequest, @Param('id') id: string, @Body() raw: unknown) {
    const edit = jsonBody(raw);
    const edited = ['body', 'contentType', 'headers'].filter((k) => edit[k] !== undefined);
    const action = edited.length > 0 ? 'replay-edit' : 'replay';
    let requeued;
    try {
      requeued = await this.bus.store.replayDeadLetter(id, edited.length > 0 ? await this.unmaskedEdit(id, edit) : {});
    } catch (err) {
      await this.audit.record(request, { action, target: id, outcome: 'failed', detail: { edited, error: (err as Error).message } });
      throw err; // the store's NOT_FOUND / CONFLICT answer 404 / 409 (problemFor)
    }
    this.bus.worker.wake();
    // The audit keeps which parts were edited, not the edited body (it may hold what the journal masks).
    await this.audit.record(request, { action, target: id, outcome: 'ok', detail: { edited, requeued } });
    return { id, requeued };
  }

  /**
   * The edit as the store takes it. The dashboard shows masked values: a body field or a header still showing the
   * mask gets its real value back from the dead letter, so that an admin never sends `***` to a target by editing
   * something else.
   */
  private async unmaskedEdit(id: string, edit: Record<string, unknown>): Promise<ReplayEdit> {
    const dl = await this.bus.store.getDeadLetter(id);
    const contentType = typeof edit.contentType === 'string' ? edit.contentType : undefined;
    let body: Buffer | undefined = edit.body === undefined ? undefined : Buffer.from(typeof edit.body === 'string' ? edit.body : JSON.stringify(edit.body));
    let headers = edit.headers && typeof edit.headers === 'object' ? (edit.headers as Record<string, string>) : undefined;
    if (dl && body) body = maskerOf(this.bus, dl.routeId).restore(body, dl.body, contentType ?? dl.contentType);
    if (dl && headers) {
      const original = dl.headers;
      headers = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v === MASK && k in original ? original[k] : v]));
    }
    return { body, contentType, headers };
  }
}
