import { Module } from '@nestjs/common';
import { LocalStorageBackend } from './local-storage.backend.js';
import { StorageBackend } from './storage.backend.js';

/** The storage seam: other modules inject `StorageBackend`; tests swap in test/fakes/in-memory-storage.backend.ts. */
@Module({
  providers: [{ provide: StorageBackend, useClass: LocalStorageBackend }],
  exports: [StorageBackend],
})
export class StorageModule {}
