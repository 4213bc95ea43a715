import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { allConfigs } from './configuration.js';
import { validateEnvironment } from './env.schema.js';

/** Validates the environment (and `.env`) at boot; exposes the typed namespaces to every module. */
@Module({
  imports: [
    ConfigModule.forRoot({
      isGlobal: true,
      envFilePath: '.env',
      load: allConfigs,
      validate: validateEnvironment,
      cache: true,
    }),
  ],
})
export class AppConfigModule {}
