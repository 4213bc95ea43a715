import 'reflect-metadata';
import { bootstrap, createLogger } from './bootstrap.js';
import { InvalidConfigurationError } from './config/env.schema.js';
import { setHeapGrowth } from './sync/heap.release.js';

const logger = createLogger();
setHeapGrowth();

bootstrap(logger).catch((error: unknown) => {
  // A bad configuration or an unusable folder is the common case here: one readable line saying why, no stack trace.
  const fsError = error as NodeJS.ErrnoException;
  const hint =
    fsError?.syscall && fsError.path
      ? `. ${fsError.path} is not usable (${fsError.code}): check that DATA_DIR points to a folder this user can create and write.`
      : '';
  if (error instanceof InvalidConfigurationError) {
    logger.fatal(error.heading, { problems: error.problems }, 'Bootstrap');
  } else {
    logger.fatal(`${error instanceof Error ? error.message : String(error)}${hint}`, 'Bootstrap');
  }
  process.exit(1);
});
