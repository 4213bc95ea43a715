import 'reflect-metadata';
import { bootstrap } from './bootstrap.js';

bootstrap().catch((error: unknown) => {
  // A bad configuration or an unusable folder is the common case here: print a readable reason, not a stack trace.
  const fsError = error as NodeJS.ErrnoException;
  const hint =
    fsError?.syscall && fsError.path
      ? `\n${fsError.path} is not usable (${fsError.code}): check that DATA_DIR points to a folder this user can create and write.`
      : '';
  const message = `${error instanceof Error ? error.message : String(error)}${hint}`;
  process.stderr.write(`${JSON.stringify({ level: 'fatal', context: 'Bootstrap', message })}\n`);
  process.stderr.write(`\n${message}\n`);
  process.exit(1);
});
