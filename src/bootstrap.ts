import { ConsoleLogger, Logger, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { mkdirSync, readFileSync } from 'node:fs';
import { AppModule } from './app.module.js';
import { serverConfig, storageConfig } from './config/configuration.js';
import { STORAGE_DIR_MODE } from './storage/storage-layout.js';

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

function logLevelsFrom(level: string): LogLevel[] {
  const wanted = (level === 'info' ? 'log' : level) as LogLevel;
  return LEVELS.slice(0, LEVELS.indexOf(wanted) + 1);
}

function readSetting(name: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new Error(`${name}=${path} cannot be read: ${(error as Error).message}`, { cause: error });
  }
}

export async function createApp(): Promise<NestExpressApplication> {
  const server = serverConfig(); // validates the whole environment first: bad settings stop here, listed
  // A new DATA_DIR is made before any module writes into it, closed to other users (the embedded repository and
  // DVC remote hold the dataset too); an existing one keeps its mode (it may be a volume or a folder of the admin's).
  mkdirSync(storageConfig().dataDir, { recursive: true, mode: STORAGE_DIR_MODE });
  const logger = new ConsoleLogger({ json: true, logLevels: logLevelsFrom(server.logLevel) });
  const app = await NestFactory.create<NestExpressApplication>(AppModule, {
    // S3 bodies are streamed by the S3 controller itself (aws-chunked, checksums): no body parser.
    bodyParser: false,
    logger,
    // Let a failing provider (e.g. an unusable DATA_DIR) reject, so main.ts prints why instead of Nest exiting silently.
    abortOnError: false,
    // Literal routes (/_admin/...) before the S3 catch-all, whatever the module order.
    routeResolutionStrategy: 'specificity',
    httpsOptions: server.tls
      ? {
          cert: readSetting('TLS_CERT_FILE', server.tls.certFile),
          key: readSetting('TLS_KEY_FILE', server.tls.keyFile),
        }
      : undefined,
  });
  app.set('etag', false);
  app.set('x-powered-by', false);
  app.set('query parser', 'simple');
  app.enableShutdownHooks();
  return app;
}

export async function bootstrap(): Promise<void> {
  const app = await createApp();
  const server = serverConfig();
  await app.listen(server.port, server.host);
  const scheme = server.tls ? 'https' : 'http';
  new Logger('Bootstrap').log(
    `listening on ${scheme}://${server.host}:${server.port} (S3 endpoint; admin API under /_admin/)`,
  );
}
