import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { readFileSync } from 'node:fs';
import { AppModule } from './app.module.js';
import { makeDirsSync } from './common/make-dirs.js';
import { logSettings, serverConfig, storageConfig } from './config/configuration.js';
import { AppLogger } from './logging/app.logger.js';
import { STORAGE_DIR_MODE } from './storage/storage-layout.js';

/** The signals a container runtime or a terminal stops the service with; both flush once more, then exit 0. */
const STOP_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

function readSetting(name: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new Error(`${name}=${path} cannot be read: ${(error as Error).message}`, { cause: error });
  }
}

/** The logger of the process, in the configured format, usable before the configuration is known to be valid. */
export function createLogger(): AppLogger {
  return new AppLogger(logSettings());
}

export async function createApp(logger: AppLogger): Promise<NestExpressApplication> {
  const server = serverConfig(); // validates the whole environment first: bad settings stop here, listed
  // A new DATA_DIR is made before any module writes into it, closed to other users (the embedded repository and
  // DVC remote hold the dataset too); an existing one keeps its mode (it may be a volume or a folder of the admin's).
  makeDirsSync(storageConfig().dataDir, STORAGE_DIR_MODE);
  const app = await NestFactory.create<NestExpressApplication>(AppModule, {
    // S3 bodies are streamed by the S3 layer itself (aws-chunked, checksums): no body parser.
    bodyParser: false,
    logger,
    // Let a failing provider (e.g. an unusable DATA_DIR) reject, so main.ts prints why instead of Nest exiting silently.
    abortOnError: false,
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
  // process.exit(0) once shut down (instead of re-raising the signal): a stop that flushed is a clean exit (0),
  // not "killed by SIGTERM" (143), and the exit handler below gets to print the last line.
  app.enableShutdownHooks([...STOP_SIGNALS], { useProcessExit: true });
  return app;
}

export async function bootstrap(logger: AppLogger): Promise<void> {
  // Every Logger of the process prints through it from now on, including lines before the app exists.
  Logger.overrideLogger(logger);
  const log = new Logger('Lifecycle');
  // The last line, however the process ends: a clean stop, a fatal error, or a quiet shutdown with nothing to flush.
  process.once('exit', (code) => log.log(`stopped (exit code ${code})`, { exitCode: code }));
  const app = await createApp(logger);
  // Only once the app's own signal handlers are installed (a signal during startup keeps its default: the process
  // ends). They run first but reach the shutdown hooks (the final flush) only after an await, so this line leads.
  for (const signal of STOP_SIGNALS) {
    process.once(signal, () => log.log(`${signal} received: stopping (pending changes are flushed first)`));
  }
  const server = serverConfig();
  await app.listen(server.port, server.host);
  const scheme = server.tls ? 'https' : 'http';
  new Logger('Bootstrap').log(
    `listening on ${scheme}://${server.host}:${server.port} (S3 endpoint; admin API under /_admin/)`,
  );
}
