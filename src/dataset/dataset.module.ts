import { Module } from '@nestjs/common';
import { DatasetService } from './dataset.service.js';

/** Stored objects → the dataset that gets versioned (directory mirror, or one Label Studio JSON/JSONL file). */
@Module({
  providers: [DatasetService],
  exports: [DatasetService],
})
export class DatasetModule {}
