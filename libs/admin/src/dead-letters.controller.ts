import { Body, Controller, Get, HttpCode, Inject, NotFoundException, Param, Post, Query, UseGuards } from '@nestjs/common';
import { InputError } from '@junction/core';
import type { BusRuntime } from '@junction/engine';
import { AdminAuthGuard } from './admin-auth.guard';
import { BUS_RUNTIME } from './admin.tokens';
import { bodyView, jsonBody } from './body-view';
import { limit } from './messages.controller';

/** Dead letters and their replay: one, several, or one with an edited body or headers. */
@Controller('admin/dead-letters')
@UseGuards(AdminAuthGuard)
export class DeadLettersController {
  constructor(@Inject(BUS_RUNTIME) private readonly bus: BusRuntime) {}

  @Get()
  list(@Query() q: Record<string, string | undefined>) {
    const replayed = q.replayed === undefined ? undefined : q.replayed === 'true';
    return this.bus.store.listDeadLetters({ routeId: q.route, replayed, limit: limit(q.limit), before: q.before });
  }

  @Get(':id')
  async get(@Param('id') id: string) {
    const dl = await this.bus.store.getDeadLetter(id);
    if (!dl) throw new NotFoundException(`no dead letter ${id}`);
    const { body, ...rest } = dl;
    return { ...rest, ...bodyView(body, dl.contentType) };
  }

  /** Replays several: `{ "ids": [...] }`. Each one is reported; a missing one does not stop the others. */
  @Post('replay')
  @HttpCode(202)
  async replayMany(@Body() raw: unknown) {
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
    return { results };
  }

  /** Replays one; an optional JSON body `{ body, contentType, headers }` edits the message first. */
  @Post(':id/replay')
  @HttpCode(202)
  async replay(@Param('id') id: string, @Body() raw: unknown) {
    const edit = jsonBody(raw);
    const body = edit.body === undefined ? undefined : typeof edit.body === 'string' ? edit.body : JSON.stringify(edit.body);
    const requeued = await this.bus.store.replayDeadLetter(id, {
      body: body === undefined ? undefined : Buffer.from(body),
      contentType: typeof edit.contentType === 'string' ? edit.contentType : undefined,
      headers: edit.headers && typeof edit.headers === 'object' ? (edit.headers as Record<string, string>) : undefined,
    });
    this.bus.worker.wake();
    return { id, requeued };
  }
}
