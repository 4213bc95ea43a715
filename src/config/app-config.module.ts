import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { allConfigs } from './configuration.js';
import { validateEnvironment } from './env.schema.js';

/**
 * Checks what was given (environment + `.env`) and hands it back as given. Nest copies the value `validate`
 * returns into process.env; the validated object would carry every default along, and a default copied there looks
 * set: S3_BUCKET's default would then read as "S3_BUCKET set together with PROJECTS_FILE" (env.schema.ts). The
 * namespaces of configuration.ts validate process.env again and get the defaults there.
 */
function validateGiven(given: Record<string, unknown>): Record<string, unknown> {
  validateEnvironment(given);
  return given;
}

/** Validates the environment (and `.env`) at boot; exposes the typed namespaces to every module. */
@Module({
  imports: [
    ConfigModule.forRoot({
      isGlobal: true,
      envFilePath: '.env',
      load: allConfigs,
      validate: validateGiven,
      cache: true,
    }),
  ],
})
export class AppConfigModule {}
