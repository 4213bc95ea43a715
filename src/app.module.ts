import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AdminModule } from './admin/admin.module.js';
import { AppConfigModule } from './config/app-config.module.js';
import { ProjectsModule } from './projects/projects.module.js';
import { S3Module } from './s3/s3.module.js';

/**
 * The story of the data: s3 → storage → dataset → dvc → git, driven by sync, once per project (projects composes
 * each project's parts); admin watches.
 * S3 requests (every path outside `/_admin`) never reach Nest's router: S3Module's S3RequestListener takes them.
 */
@Module({
  imports: [AppConfigModule, ScheduleModule.forRoot(), ProjectsModule, AdminModule, S3Module],
})
export class AppModule {}
