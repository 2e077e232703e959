import { Body, Controller, Delete, Get, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import { InputError } from '@junction/core';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { jsonBody } from '../body-view';
import { AdminAuth } from './admin-auth';
import { AdminAuthGuard, fromSameOrigin, refusalError, type AdminRequest } from './admin-auth.guard';
import { AuditTrail } from './audit-trail';
import { AdminApi, ApiJson, ApiProblems } from '../openapi/api-docs';
import { ref } from '../openapi/openapi.schemas';

/** Dashboard login: opens a session (HttpOnly, SameSite=Strict cookie) and hands the page its CSRF token. */
@ApiTags('session')
@Controller('admin/session')
export class SessionController {
  constructor(
    private readonly auth: AdminAuth,
    private readonly audit: AuditTrail,
  ) {}

  /** `{ username, password }` or `{ token }`. Every attempt goes to the audit log; the password never does. Wrong
   *  credentials are answered 401, or 429 with Retry-After while the caller's failures are throttled. */
  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'Log in: opens a session (cookie) and returns its CSRF token' })
  @ApiBody({ schema: ref('LoginRequest') })
  @ApiJson(200, 'Session', 'Signed in; Set-Cookie carries the session')
  @ApiProblems(400, 401, 403, 429)
  async login(@Req() request: AdminRequest, @Body() raw: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    // A login posted from another site's page (login CSRF) is refused.
    if (!fromSameOrigin(request)) throw new InputError('CSRF_REJECTED', 'log in from the dashboard itself', 403);
    const body = jsonBody(raw);
    const claimed = typeof body.username === 'string' ? body.username.slice(0, 100) : 'token';
    const result = await this.auth.login(body, request.ip ?? 'unknown');
    if (result.refusal) {
      await this.audit.record(request, { actor: claimed, action: 'login-failed', outcome: 'refused', detail: { code: result.refusal.code } });
      throw refusalError(result.refusal, reply);
    }
    const opened = result.ok;
    await this.audit.record(request, { actor: opened.session.user, action: 'login', outcome: 'ok' });
    reply.header('set-cookie', this.auth.cookie(opened.id));
    reply.header('cache-control', 'no-store');
    return { user: opened.session.user, csrfToken: opened.session.csrfToken, expiresAt: opened.session.expiresAt };
  }

  @Get()
  @UseGuards(AdminAuthGuard)
  @AdminApi()
  @ApiOperation({ summary: 'Who is calling, and the session\'s CSRF token' })
  @ApiJson(200, 'Principal', 'The caller')
  current(@Req() request: AdminRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    reply.header('cache-control', 'no-store');
    const p = request.adminPrincipal!;
    return { user: p.user, via: p.via, ...(p.csrfToken ? { csrfToken: p.csrfToken } : {}) };
  }

  @Delete()
  @HttpCode(204)
  @UseGuards(AdminAuthGuard)
  @AdminApi()
  @ApiOperation({ summary: 'Log out: closes the session and clears its cookie' })
  @ApiResponse({ status: 204, description: 'Logged out' })
  @ApiProblems(403)
  async logout(@Req() request: AdminRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    await this.auth.logout(request);
    reply.header('set-cookie', this.auth.cookie(undefined));
    await this.audit.record(request, { action: 'logout', outcome: 'ok' });
  }
}
