import { Controller, Get, HttpCode, Inject, NotFoundException, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import { BusError } from '@junction/core';
import type { BusRuntime } from '@junction/engine';
import type { CompiledRoute } from '@junction/routing';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AdminAuthGuard, type AdminRequest } from './auth/admin-auth.guard';
import { AuditTrail } from './auth/audit-trail';
import { BUS_RUNTIME } from './admin.tokens';
import { BUS_PEERS, type BusPeers } from './bus-peers';
import { AdminApi, ApiJson, ApiProblems } from './openapi/api-docs';

/** The loaded routes as the admin API shows them: definitions as written, so secrets stay placeholders. */
export function routeView(route: CompiledRoute) {
  const kind = route.sourceKind;
  return {
    id: route.id,
    description: route.description,
    file: route.file,
    mode: route.mode,
    state: 'running',
    source: { kind, ...((route.display as { from?: Record<string, object> })?.from?.[kind] ?? {}) },
    targets: [...route.targets.values()].map((t) => ({ id: t.id, kind: t.kind, description: t.description })),
    definition: route.display,
  };
}

@ApiTags('routes')
@Controller('admin/routes')
@UseGuards(AdminAuthGuard)
@AdminApi()
export class RoutesController {
  constructor(
    @Inject(BUS_RUNTIME) private readonly bus: BusRuntime,
    private readonly audit: AuditTrail,
    @Inject(BUS_PEERS) private readonly peers: BusPeers | null,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The loaded routes, definitions as written' })
  @ApiJson(200, ['Route'], 'The routes')
  list() {
    return this.bus.routes.list().map(routeView);
  }

  /** The result of the last reload, with the errors of a refused one. */
  @Get('reload')
  @ApiOperation({ summary: 'The result of the last reload' })
  @ApiJson(200, 'ReloadReport', 'The last reload')
  lastReload() {
    return this.bus.routes.lastReload;
  }

  /**
   * A route's flow as the compiler built it (nodes: source, steps, branches, targets; edges with the counter each
   * carries), with the route's counters since this instance started: the figures `/metrics` shows for it.
   */
  @Get(':id/graph')
  @ApiOperation({ summary: 'A route\'s flow as a graph, with its counters since this instance started' })
  @ApiParam({ name: 'id', description: 'route id' })
  @ApiJson(200, 'RouteGraph', 'Nodes, edges and counts')
  @ApiProblems(404)
  async graph(@Param('id') id: string) {
    const route = this.bus.routes.get(id);
    if (!route) throw new NotFoundException(`no route ${id}`);
    const counts = this.peers ? await this.peers.routeCounts(id) : await this.bus.telemetry.routeCounts(id);
    return { routeId: route.id, mode: route.mode, at: Date.now(), nodes: route.graph.nodes, edges: route.graph.edges, counts };
  }

  @Post('reload')
  @HttpCode(200)
  @ApiOperation({ summary: 'Reloads the route folder; a set with any problem is refused and the running routes stay' })
  @ApiJson(200, 'ReloadReport', 'Loaded')
  @ApiJson(422, 'ReloadReport', 'Refused, with the problems')
  @ApiProblems(403, 500)
  async reload(@Req() request: AdminRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const report = await this.bus.reload('admin');
    // Every process runs the routes: the others read the same folder (a refused set is refused by each of them too).
    if (report.ok && this.peers) {
      try {
        await this.peers.reloadOthers();
      } catch (err) {
        // This process runs the new routes and another does not: said, not hidden behind a 200.
        const message = (err as Error).message;
        await this.audit.record(request, { action: 'reload', outcome: 'failed', detail: { routes: report.routes, error: message } });
        throw new BusError('RELOAD_INCOMPLETE', message);
      }
    }
    if (!report.ok) reply.code(422);
    await this.audit.record(request, {
      action: 'reload',
      outcome: report.ok ? 'ok' : 'refused',
      detail: { routes: report.routes, problems: report.problems.length },
    });
    return report;
  }
}
