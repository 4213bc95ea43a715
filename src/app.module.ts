import { Module } from '@nestjs/common';
import { AppConfigModule } from './config/app-config.module.js';

/** The story of the data: s3 → storage → dataset → dvc → git, driven by sync; admin watches. */
@Module({
  imports: [AppConfigModule],
})
export class AppModule {}
