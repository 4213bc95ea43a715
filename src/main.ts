import 'reflect-metadata';
import { bootstrap } from './bootstrap.js';

bootstrap().catch((error: unknown) => {
  // A bad configuration is the common case here: print the readable list, not a stack trace.
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${JSON.stringify({ level: 'fatal', context: 'Bootstrap', message })}\n`);
  process.stderr.write(`\n${message}\n`);
  process.exit(1);
});
