import { Controller, Get, Inject, NotFoundException, Query, Res, UseGuards, type OnModuleDestroy } from '@nestjs/common';
import { InputError } from '@junction/core';
import type { BusRuntime } from '@junction/engine';
import type { LiveSnapshot } from '@junction/telemetry';
import { ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AdminAuthGuard } from './auth/admin-auth.guard';
import { BUS_RUNTIME } from './admin.tokens';
import { BUS_PEERS, type BusPeers } from './bus-peers';
import { AdminApi, ApiJson, ApiProblems } from './openapi/api-docs';

// Comments keep proxies and clients from timing out the stream between events that stop for a while.
const PING_MS = 15_000;

/**
 * The live figures: a server-sent event stream (`GET /admin/live`, one `stats` event at once and then every second),
 * the same snapshot as one JSON document, and the per-second history. When the bus runs as several processes, each
 * figure is the whole bus's (gathered through the primary).
 */
@ApiTags('live')
@Controller('admin')
@UseGuards(AdminAuthGuard)
@AdminApi()
export class LiveController implements OnModuleDestroy {
  /** Ends of the open streams, so that shutting the app down never waits on one. */
  private readonly streams = new Set<() => void>();

  constructor(
    @Inject(BUS_RUNTIME) private readonly bus: BusRuntime,
    @Inject(BUS_PEERS) private readonly peers: BusPeers | null,
  ) {}

  /**
   * Written to the raw response (Fastify hands it over with `hijack`): the stream ends when the client goes, when the
   * bus stops, or when the module is destroyed. A client that does not keep up misses snapshots rather than piling
   * them up (each one is complete).
   */
  @Get('live')
  @ApiOperation({ summary: 'Server-sent events: a `stats` event (a LiveSnapshot) at once and then every second' })
  @ApiResponse({ status: 200, description: 'The event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } })
  async live(@Res() reply: FastifyReply): Promise<void> {
    const first = await this.figures();
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    let ended = false;
    let unsubscribe = () => {};
    const ping = setInterval(() => raw.write(': ping\n\n'), PING_MS);
    ping.unref();
    const end = () => {
      if (ended) return;
      ended = true;
      clearInterval(ping);
      unsubscribe();
      this.streams.delete(end);
      if (!raw.writableEnded) raw.end();
    };
    const send = (snapshot: LiveSnapshot) => {
      if (!ended && !raw.writableNeedDrain) raw.write(`event: stats\ndata: ${JSON.stringify(snapshot)}\n\n`);
    };
    this.streams.add(end);
    raw.on('close', end);
    raw.on('error', end);
    send(first);
    // Across processes a snapshot is gathered over IPC: while one is on its way (busy workers answer late), the next
    // second's is skipped rather than queued behind it.
    let gathering = false;
    const gather = () => {
      if (gathering) return;
      gathering = true;
      void this.figures()
        .then(send, () => undefined)
        .finally(() => (gathering = false));
    };
    unsubscribe = this.bus.telemetry.subscribe({ snapshot: this.peers ? gather : send, end });
  }

  /** The figures of the whole bus: this process's, or every process's added up. */
  private figures(): Promise<LiveSnapshot> {
    return this.peers ? this.peers.snapshot() : this.bus.telemetry.snapshot();
  }

  @Get('live/snapshot')
  @ApiOperation({ summary: 'The live figures of the bus and of every route, once' })
  @ApiJson(200, 'LiveSnapshot', 'The figures now')
  snapshot(): Promise<LiveSnapshot> {
    return this.figures();
  }

  /** `?minutes=1..15` (default 15) and `route=<id>` (default: the whole bus). */
  @Get('stats/history')
  @ApiOperation({ summary: 'Per-second history of the bus or of one route' })
  @ApiQuery({ name: 'minutes', required: false, schema: { type: 'number', minimum: 1, maximum: 15, default: 15 } })
  @ApiQuery({ name: 'route', required: false, description: 'route id (default: the whole bus)' })
  @ApiJson(200, 'History', 'One point per second, oldest first')
  @ApiProblems(400, 404)
  async history(@Query('minutes') minutes?: string, @Query('route') route?: string) {
    const m = minutes === undefined || minutes === '' ? 15 : Number(minutes);
    if (!Number.isFinite(m) || m <= 0 || m > 15) throw new InputError('BAD_FILTER', 'minutes must be a number from 1 to 15');
    const history = this.peers ? await this.peers.history(route || undefined, m) : this.bus.telemetry.history(route || undefined, m);
    if (!history) throw new NotFoundException(`no route ${route}`);
    return history;
  }

  onModuleDestroy(): void {
    for (const end of [...this.streams]) end();
  }
}
