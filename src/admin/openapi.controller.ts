import { Controller, Get, Header } from '@nestjs/common';
import type { OpenApiDocument } from './openapi.types.js';
import { ADMIN_OPENAPI } from './admin.openapi.js';

/** The admin API's description, open like /_admin/health: it holds no setting and no secret. */
@Controller('_admin/openapi.json')
export class OpenApiController {
  @Get()
  @Header('cache-control', 'no-cache')
  describe(): OpenApiDocument {
    return ADMIN_OPENAPI;
  }
}
