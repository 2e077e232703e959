import { Controller, Get, Inject, NotFoundException, Param, Req, Res } from '@nestjs/common';
import { AdminAuth } from '@junction/admin';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ASSET_HEADERS, PAGE_HEADERS, type DashboardAssets, type DashboardFile } from './dashboard-assets';

/** DI token of the dashboard's files, read once at start. */
export const DASHBOARD_ASSETS = Symbol('DASHBOARD_ASSETS');

/**
 * The admin dashboard: `GET /dashboard` is the app to a signed-in admin and the login page to anyone else (200, so a
 * browser shows the login form where it asked for the app; 429 with Retry-After while the caller's failed credentials
 * are throttled). With no admin credential configured it is a 401 page saying how to configure one, since no login
 * could work. `GET /dashboard/assets/<name>` serves its scripts and styles from memory. The page holds no data:
 * everything it shows comes from the admin API, which checks every call.
 */
// The dashboard's pages are for browsers, not API clients: left out of the OpenAPI document.
@ApiExcludeController()
@Controller('dashboard')
export class DashboardController {
  constructor(
    private readonly auth: AdminAuth,
    @Inject(DASHBOARD_ASSETS) private readonly files: DashboardAssets,
  ) {}

  @Get()
  async page(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    reply.headers(PAGE_HEADERS);
    if (this.auth.locked) return sendPage(reply.code(401).header('www-authenticate', 'Bearer'), this.files.lockedPage);
    // Through the throttle like any admin call: a credential in an Authorization header is a guess like any other.
    const { ok, refusal } = await this.auth.authenticate(request);
    if (refusal?.retryAfterMs !== undefined) reply.code(429).header('retry-after', String(Math.ceil(refusal.retryAfterMs / 1000)));
    else reply.code(200);
    sendPage(reply, ok ? this.files.appPage : this.files.loginPage);
  }

  /** The login page needs its script and styles too, so assets are served without a principal: they are code, not data. */
  @Get('assets/:name')
  asset(@Param('name') name: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): void {
    const file: DashboardFile | undefined = this.files.assets.get(name);
    if (!file) throw new NotFoundException(`no dashboard asset ${name}`);
    reply.headers(ASSET_HEADERS).header('etag', file.etag);
    if (request.headers['if-none-match'] === file.etag) return void reply.code(304).send();
    reply.code(200).type(file.contentType).send(file.body);
  }
}

function sendPage(reply: FastifyReply, page: DashboardFile): void {
  void reply.type(page.contentType).send(page.body);
}
