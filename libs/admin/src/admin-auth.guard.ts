import { timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ADMIN_TOKEN } from './admin.tokens';

/** When ADMIN_TOKEN is set, every admin call must carry `Authorization: Bearer <token>` (compared in constant time). */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  private readonly expected?: Buffer;

  constructor(@Inject(ADMIN_TOKEN) token: string | undefined) {
    this.expected = token ? Buffer.from(`Bearer ${token}`) : undefined;
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expected) return true;
    const header = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>().headers.authorization;
    const given = Buffer.from(header ?? '');
    if (given.length === this.expected.length && timingSafeEqual(given, this.expected)) return true;
    throw new UnauthorizedException('missing or wrong admin bearer token');
  }
}
