import { Controller, Get, Injectable, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiTags, DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { INestApplication } from '@nestjs/common';
import { AdminAuthGuard } from '../auth/admin-auth.guard';
import { ADMIN_AUTH, AdminApi, ApiJson } from './api-docs';
import { SCHEMAS } from './openapi.schemas';

/** The OpenAPI document of this bus, made once at start (see `describeAdminApi`) and served as it is. */
@Injectable()
export class OpenApiDocument {
  private document?: OpenAPIObject;

  set(document: OpenAPIObject): void {
    this.document = document;
  }

  get(): OpenAPIObject {
    if (!this.document) throw new Error('the OpenAPI document is made at start, before the bus listens');
    return this.document;
  }
}

/** `GET /admin/openapi.json`: the admin API described in OpenAPI 3, behind the same credentials as the API. */
@ApiTags('openapi')
@Controller('admin')
@UseGuards(AdminAuthGuard)
@AdminApi()
export class OpenApiController {
  constructor(private readonly openApi: OpenApiDocument) {}

  @Get('openapi.json')
  @ApiOperation({ summary: 'This document' })
  @ApiJson(200, { type: 'object', required: ['openapi', 'info', 'paths'], properties: { openapi: { type: 'string' }, info: { type: 'object' }, paths: { type: 'object' } } }, 'The OpenAPI 3 document of the admin API')
  document(): OpenAPIObject {
    return this.openApi.get();
  }
}

/**
 * Describes the running app's admin API (every controller with its decorators, the response schemas of
 * openapi.schemas.ts) and hands the document to `OpenApiDocument`. Called once, after the app is created.
 */
export function describeAdminApi(app: INestApplication, version: string): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Junction admin API')
    .setDescription(
      'The admin API of a Junction bus: health, login, routes and reload, the journal, dead letters and replay, connectors, ' +
        'live figures, resilience, aggregations and the audit log. Every route but /health needs a credential: the admin ' +
        'token as a Bearer token, Basic with ADMIN_USER and ADMIN_PASSWORD, or the dashboard session cookie (whose ' +
        'state-changing calls also need the x-csrf-token header).',
    )
    .setVersion(version)
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' }, ADMIN_AUTH)
    .build();
  const document = SwaggerModule.createDocument(app, config);
  document.components = { ...document.components, schemas: { ...document.components?.schemas, ...SCHEMAS } };
  app.get(OpenApiDocument).set(document);
  return document;
}
